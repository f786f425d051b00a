using System.Text.RegularExpressions;

namespace Paperboy.Core.Papers;

/// <summary>
/// Names of datasets and benchmarks in an abstract, precision over recall: a curated list of well-known names (with
/// their usual spellings: CIFAR10, CIFAR-10), plus names the abstract itself calls a dataset, as in "the MetaMathQA
/// dataset" or "the Long-Range Arena benchmark", when the name looks like a proper name (an inner capital or digit,
/// all capitals, or several capitalised words none of which is an ordinary word such as "Our" or "Proposed").
/// </summary>
public static partial class DatasetNames
{
    /// <summary>Canonical name and the pattern its spellings match (case-sensitive: MATH the benchmark, not math).</summary>
    private static readonly (string Name, Regex Pattern)[] Known = Curated(
        ("ImageNet-1K", @"ImageNet-1[kK]"), ("ImageNet-21K", @"ImageNet-21[kK]"), ("ImageNet", @"ImageNet(?![-\w])"),
        ("CIFAR-10", @"CIFAR-?10(?!\d)"), ("CIFAR-100", @"CIFAR-?100"), ("MNIST", @"(?<![\w-])MNIST"), ("Fashion-MNIST", @"Fashion-?MNIST"),
        ("SVHN", "SVHN"), ("STL-10", "STL-?10"), ("CelebA", @"CelebA(?!-HQ)"), ("CelebA-HQ", "CelebA-HQ"), ("FFHQ", "FFHQ"), ("LSUN", "LSUN"),
        ("MS COCO", @"(?:MS[- ]?)?COCO"), ("Pascal VOC", @"PASCAL VOC|Pascal VOC"), ("Cityscapes", "Cityscapes"), ("ADE20K", "ADE20[kK]"),
        ("KITTI", "KITTI"), ("nuScenes", "nuScenes"), ("ScanNet", "ScanNet"), ("ShapeNet", "ShapeNet"), ("ModelNet40", "ModelNet-?40"),
        ("Kinetics-400", "Kinetics-?400"), ("Kinetics-700", "Kinetics-?700"), ("UCF101", "UCF-?101"), ("HMDB51", "HMDB-?51"),
        ("AudioSet", "AudioSet"), ("LibriSpeech", "LibriSpeech"), ("Common Voice", "Common Voice"), ("ESC-50", "ESC-?50"),
        ("LAION-5B", "LAION-5B"), ("LAION-400M", "LAION-400M"), ("Conceptual Captions", "Conceptual Captions"), ("Flickr30k", "Flickr30[kK]"),
        ("Visual Genome", "Visual Genome"), ("VQAv2", "VQA ?v2"), ("GQA", "GQA"),
        ("GLUE", "GLUE"), ("SuperGLUE", "SuperGLUE"), ("SQuAD", @"SQuAD(?: ?v?2(?:\.0)?)?"), ("MMLU", @"MMLU(?!-)"), ("MMLU-Pro", "MMLU-Pro"),
        ("GSM8K", "GSM8[kK]"), ("MATH", @"(?<![\w-])MATH(?![\w-])"), ("HumanEval", "HumanEval"), ("MBPP", "MBPP"), ("BIG-Bench", "BIG-?[Bb]ench"),
        ("HellaSwag", "HellaSwag"), ("TruthfulQA", "TruthfulQA"), ("WinoGrande", "WinoGrande"), ("MT-Bench", "MT-Bench"), ("AlpacaEval", "AlpacaEval"),
        ("SWE-bench", "SWE-[Bb]ench"), ("WikiText-103", "WikiText-?103"), ("WikiText-2", @"WikiText-?2(?!\d)"), ("Penn Treebank", "Penn Tree[Bb]ank"),
        ("The Pile", "the Pile"), ("MS MARCO", "MS ?MARCO"), ("Natural Questions", "Natural Questions"), ("TriviaQA", "TriviaQA"), ("HotpotQA", "HotpotQA"),
        ("CNN/DailyMail", "CNN/Daily ?Mail"), ("XSum", "XSum"), ("WMT", @"WMT ?'?\d{2}"),
        ("Cora", @"(?<![\w-])Cora(?![\w-])"), ("Citeseer", "Cite[Ss]eer"), ("OGB", @"OGB(?![\w-])|ogbn-\w+|ogbg-\w+"), ("QM9", "QM9"), ("ZINC", @"(?<![\w-])ZINC(?![\w-])"),
        ("MoleculeNet", "MoleculeNet"), ("Long Range Arena", "Long[- ]Range Arena"), ("MIMIC-III", "MIMIC-III"), ("MIMIC-CXR", "MIMIC-CXR"),
        ("CheXpert", "CheXpert"), ("BraTS", "BraTS"), ("UK Biobank", "UK Biobank"), ("DIV2K", "DIV2K"), ("Materials Project", "Materials Project"));

    // "the X dataset", "on X benchmark": X is one to four words, the first capitalised or a digit-led name.
    [GeneratedRegex(@"\b(?:the|on|of|from|in)\s+(?<name>[A-Z0-9][\w\-\.]*(?:\s+[A-Z0-9][\w\-\.]*){0,3})\s+(?:dataset|benchmark|corpus|suite)s?\b", RegexOptions.CultureInvariant)]
    private static partial Regex CalledDatasetPattern();

    private static readonly HashSet<string> OrdinaryWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "The", "Our", "This", "These", "That", "A", "An", "New", "Novel", "Proposed", "Large", "Small", "Public", "Real", "Synthetic",
        "Standard", "Popular", "Same", "Whole", "Entire", "Full", "Original", "Existing", "Challenging", "Benchmark", "Dataset", "Test",
        "Training", "Validation", "Open", "First", "Second", "Both", "Each", "Several", "Multiple", "Various", "Different", "Other",
    };

    public static List<string> Find(string text)
    {
        var found = new List<string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, pattern) in Known)
            if (pattern.IsMatch(text) && keys.Add(Key(name))) found.Add(name);
        foreach (Match m in CalledDatasetPattern().Matches(text))
        {
            var name = m.Groups["name"].Value.TrimEnd('.', '-');
            if (LooksLikeName(name) && !Covered(name, keys)) { keys.Add(Key(name)); found.Add(name); }
        }
        return found;
    }

    private static bool LooksLikeName(string name)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Any(OrdinaryWords.Contains)) return false;
        if (words.Length > 1) return words.All(w => char.IsUpper(w[0]) || char.IsDigit(w[0]));
        var w0 = words[0];
        if (w0.Length < 2 || !w0.Any(char.IsLetter)) return false;
        // MetaMathQA, GSM8k, OpenLAM-v1, DIV2K: a capital or a digit after the first letter.
        return w0.Skip(1).Any(c => char.IsUpper(c) || char.IsDigit(c));
    }

    /// <summary>Whether a called name repeats or extends a found one ("the CIFAR10 dataset", "the UK Biobank MRI dataset").</summary>
    private static bool Covered(string name, HashSet<string> keys)
    {
        var key = Key(name);
        return keys.Any(k => key.StartsWith(k, StringComparison.Ordinal));
    }

    private static string Key(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private static (string, Regex)[] Curated(params (string Name, string Pattern)[] entries) =>
        entries.Select(e => (e.Name, new Regex(@"(?<![\w])(?:" + e.Pattern + @")(?![\w])", RegexOptions.CultureInvariant | RegexOptions.Compiled))).ToArray();
}

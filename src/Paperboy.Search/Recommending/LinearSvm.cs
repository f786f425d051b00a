using System.Numerics.Tensors;

namespace Paperboy.Search.Recommending;

/// <summary>
/// L2-regularised linear SVM with the squared hinge loss, solved by dual coordinate descent (Hsieh et al., "A Dual
/// Coordinate Descent Method for Large-scale Linear SVM", ICML 2008) — LIBLINEAR's default solver, which
/// scikit-learn's <c>LinearSVC</c> in arxiv-sanity-lite runs. It minimises
/// <c>½‖[w; b]‖² + C·Σ cᵢ·max(0, 1 − yᵢ(w·xᵢ + b))²</c>; as in LIBLINEAR the bias is a constant feature, so it is
/// regularised too. The visiting order is a shuffle seeded by <see cref="Settings.Seed"/>: deterministic.
/// </summary>
public static class LinearSvm
{
    public sealed record Settings(double C = 1.0, int MaxEpochs = 100, double Tolerance = 0.01, int Seed = 1);

    public static LinearModel Train(TrainingSet set, Settings? settings = null)
    {
        settings ??= new Settings();
        int d = set.Dimension, n = set.Count;
        var w = new float[d];
        double b = 0;
        var dual = new double[n];
        var diagonal = new double[n];   // Dᵢᵢ = 1/(2·C·cᵢ)
        var curvature = new double[n];  // Q̄ᵢᵢ = xᵢ·xᵢ + 1 + Dᵢᵢ
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            diagonal[i] = 1 / (2 * settings.C * Math.Max(set.Weights[i], 1e-12));
            curvature[i] = TensorPrimitives.Dot(set.Row(i), set.Row(i)) + 1 + diagonal[i];
            order[i] = i;
        }
        var random = new Random(settings.Seed);
        for (int epoch = 0; epoch < settings.MaxEpochs; epoch++)
        {
            random.Shuffle(order);
            double maxPg = double.NegativeInfinity, minPg = double.PositiveInfinity;
            foreach (int i in order)
            {
                var x = set.Row(i);
                int y = set.Labels[i];
                double g = y * (TensorPrimitives.Dot(w, x) + b) - 1 + diagonal[i] * dual[i];
                double pg = dual[i] == 0 ? Math.Min(g, 0) : g;   // the projected gradient (αᵢ ≥ 0, no upper bound)
                maxPg = Math.Max(maxPg, pg);
                minPg = Math.Min(minPg, pg);
                if (Math.Abs(pg) < 1e-12) continue;
                double old = dual[i];
                dual[i] = Math.Max(old - g / curvature[i], 0);
                double delta = (dual[i] - old) * y;
                TensorPrimitives.MultiplyAdd(x, (float)delta, w, w);
                b += delta;
            }
            if (maxPg - minPg <= settings.Tolerance) break;
        }
        return new LinearModel(w, (float)b);
    }
}

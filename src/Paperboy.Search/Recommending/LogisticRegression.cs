using System.Numerics.Tensors;

namespace Paperboy.Search.Recommending;

/// <summary>
/// L2-regularised, example-weighted logistic regression fitted by L-BFGS (Nocedal &amp; Wright, algorithm 7.5, with a
/// backtracking Armijo line search). It minimises
/// <c>λ/2·‖w‖² + (1/n)·Σ cᵢ·log(1 + exp(−yᵢ(w·xᵢ + b)))</c>; the bias is not regularised. Deterministic: no
/// randomness, a fixed order of floating-point operations.
/// </summary>
public static class LogisticRegression
{
    public sealed record Settings(double Lambda = 1e-3, int MaxIterations = 60, double Tolerance = 1e-4, int History = 6);

    public static LinearModel Train(TrainingSet set, Settings? settings = null)
    {
        settings ??= new Settings();
        int d = set.Dimension, p = d + 1; // θ = [w; b]
        var theta = new float[p];
        var grad = new float[p];
        var next = new float[p];
        var nextGrad = new float[p];
        var direction = new float[p];
        var margins = new float[set.Count];
        int m = settings.History;
        var s = new float[m][];
        var y = new float[m][];
        var rho = new double[m];
        var alpha = new double[m];
        for (int i = 0; i < m; i++) { s[i] = new float[p]; y[i] = new float[p]; }
        int stored = 0, newest = -1;

        double f = Objective(set, theta, grad, margins, settings.Lambda);
        for (int iteration = 0; iteration < settings.MaxIterations; iteration++)
        {
            // MaxMagnitude returns the element itself, sign included.
            if (Math.Abs(TensorPrimitives.MaxMagnitude<float>(grad)) < settings.Tolerance) break;

            // Two-loop recursion: direction = −H·grad.
            grad.CopyTo(direction);
            for (int k = 0; k < stored; k++)
            {
                int j = (newest - k + m) % m;
                alpha[j] = rho[j] * TensorPrimitives.Dot<float>(s[j], direction);
                TensorPrimitives.MultiplyAdd(y[j], (float)-alpha[j], direction, direction);
            }
            if (stored > 0)
            {
                double yy = TensorPrimitives.Dot<float>(y[newest], y[newest]);
                TensorPrimitives.Multiply(direction, (float)(1.0 / (rho[newest] * yy)), direction);
            }
            else
            {
                // First step: a gradient step of length at most 1 in θ.
                TensorPrimitives.Multiply(direction, (float)(1.0 / Math.Max(1.0, TensorPrimitives.Norm<float>(grad))), direction);
            }
            for (int k = stored - 1; k >= 0; k--)
            {
                int j = (newest - k + m) % m;
                double beta = rho[j] * TensorPrimitives.Dot<float>(y[j], direction);
                TensorPrimitives.MultiplyAdd(s[j], (float)(alpha[j] - beta), direction, direction);
            }
            TensorPrimitives.Negate(direction, direction);

            double slope = TensorPrimitives.Dot<float>(grad, direction);
            if (slope >= 0)
            {
                // Not a descent direction (rounding): restart from steepest descent.
                stored = 0;
                TensorPrimitives.Negate(grad, direction);
                TensorPrimitives.Multiply(direction, (float)(1.0 / Math.Max(1.0, TensorPrimitives.Norm<float>(grad))), direction);
                slope = TensorPrimitives.Dot<float>(grad, direction);
            }

            double step = 1, fNext = double.NaN;
            bool accepted = false;
            for (int tries = 0; tries < 30; tries++, step *= 0.5)
            {
                TensorPrimitives.MultiplyAdd(direction, (float)step, theta, next);
                fNext = Objective(set, next, nextGrad, margins, settings.Lambda);
                if (fNext <= f + 1e-4 * step * slope) { accepted = true; break; }
            }
            if (!accepted) break;

            newest = (newest + 1) % m;
            TensorPrimitives.Subtract(next, theta, s[newest]);
            TensorPrimitives.Subtract(nextGrad, grad, y[newest]);
            double sy = TensorPrimitives.Dot<float>(s[newest], y[newest]);
            bool converged = Math.Abs(f - fNext) <= 1e-9 * Math.Max(1, Math.Abs(f));
            (theta, next) = (next, theta);
            (grad, nextGrad) = (nextGrad, grad);
            f = fNext;
            if (sy > 1e-12)
            {
                rho[newest] = 1 / sy;
                stored = Math.Min(stored + 1, m);
            }
            else
            {
                // Curvature too small to trust: drop this pair, and the oldest pair whose slot it overwrote.
                newest = (newest - 1 + m) % m;
                stored = Math.Min(stored, m - 1);
            }
            if (converged) break;
        }
        return new LinearModel(theta.AsSpan(0, d).ToArray(), theta[d]);
    }

    /// <summary>The objective at θ, with its gradient written to <paramref name="grad"/>.</summary>
    private static double Objective(TrainingSet set, ReadOnlySpan<float> theta, Span<float> grad, Span<float> margins, double lambda)
    {
        int d = set.Dimension, n = set.Count;
        var w = theta[..d];
        float b = theta[d];
        double loss = 0, gradBias = 0;
        for (int i = 0; i < n; i++) margins[i] = set.Labels[i] * (TensorPrimitives.Dot(w, set.Row(i)) + b);
        // d/dz log(1 + e^(−z)) = −σ(−z); each row's coefficient is cᵢ·(−yᵢ)·σ(−zᵢ)/n.
        TensorPrimitives.Multiply(w, (float)lambda, grad[..d]);
        for (int i = 0; i < n; i++)
        {
            double z = margins[i];
            double c = set.Weights[i] / (double)n;
            loss += c * (z > 0 ? Math.Log(1 + Math.Exp(-z)) : -z + Math.Log(1 + Math.Exp(z)));
            double coef = -c * set.Labels[i] / (1 + Math.Exp(z));
            gradBias += coef;
            TensorPrimitives.MultiplyAdd(set.Row(i), (float)coef, grad[..d], grad[..d]);
        }
        grad[d] = (float)gradBias;
        return loss + lambda / 2 * TensorPrimitives.Dot(w, w);
    }
}

using System.Numerics.Tensors;

namespace Paperboy.Search.Embedding;

/// <summary>The few dense linear-algebra steps LSA needs: orthonormalisation and a symmetric eigen-decomposition.</summary>
internal static class DenseMath
{
    /// <summary>Orthonormalises the columns of a row-major rows×cols matrix in place (modified Gram–Schmidt, twice for stability).</summary>
    public static void Orthonormalise(float[] m, int rows, int cols)
    {
        var colMajor = Transpose(m, rows, cols);
        for (var pass = 0; pass < 2; pass++)
        {
            for (var j = 0; j < cols; j++)
            {
                var cj = colMajor.AsSpan(j * rows, rows);
                for (var i = 0; i < j; i++)
                {
                    var ci = colMajor.AsSpan(i * rows, rows);
                    var d = TensorPrimitives.Dot(ci, cj);
                    TensorPrimitives.MultiplyAdd(ci, -d, cj, cj);
                }
                var norm = TensorPrimitives.Norm(cj);
                if (norm > 1e-12f) TensorPrimitives.Divide(cj, norm, cj);
                else cj.Clear();
            }
        }
        Transpose(colMajor, cols, rows, m);
    }

    public static float[] Transpose(float[] m, int rows, int cols, float[]? into = null)
    {
        var t = into ?? new float[m.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
    }

    /// <summary>Eigenvalues (descending) and eigenvectors (columns of a row-major n×n matrix) of a symmetric matrix, by cyclic Jacobi.</summary>
    public static (double[] Values, double[] Vectors) SymmetricEigen(double[] a, int n)
    {
        a = (double[])a.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++) v[i * n + i] = 1;
        for (var sweep = 0; sweep < 60; sweep++)
        {
            double off = 0;
            for (var p = 0; p < n; p++) for (var q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (off < 1e-22) break;
            for (var p = 0; p < n; p++)
            for (var q = p + 1; q < n; q++)
            {
                var apq = a[p * n + q];
                if (Math.Abs(apq) < 1e-300) continue;
                var theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                if (theta == 0) t = 1;
                var c = 1 / Math.Sqrt(t * t + 1);
                var s = t * c;
                for (var k = 0; k < n; k++)
                {
                    var akp = a[k * n + p];
                    var akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (var k = 0; k < n; k++)
                {
                    var apk = a[p * n + k];
                    var aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (var k = 0; k < n; k++)
                {
                    var vkp = v[k * n + p];
                    var vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i * n + i]).ToArray();
        var values = order.Select(i => a[i * n + i]).ToArray();
        var vectors = new double[n * n];
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
                vectors[r * n + c] = v[r * n + order[c]];
        return (values, vectors);
    }
}

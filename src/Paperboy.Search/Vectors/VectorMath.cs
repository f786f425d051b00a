using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Paperboy.Search.Vectors;

/// <summary>Distance kernels and input validation shared by the indexes.</summary>
internal static class VectorMath
{
    /// <summary>Squared Euclidean distance over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float L2Squared(ref float a, ref float b, int n)
    {
        // The hot loop of every search. A hand-written FMA loop over refs beats a TensorPrimitives call here only by
        // the per-call span checks and dispatch; keep both shapes in sync with TensorPrimitives semantics.
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
                var d1 = Vector512.LoadUnsafe(ref a, (nuint)(i + 16)) - Vector512.LoadUnsafe(ref b, (nuint)(i + 16));
                acc0 = Vector512.FusedMultiplyAdd(d0, d0, acc0);
                acc1 = Vector512.FusedMultiplyAdd(d1, d1, acc1);
            }
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
                acc0 = Vector512.FusedMultiplyAdd(d, d, acc0);
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var d0 = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
                var d1 = Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) - Vector256.LoadUnsafe(ref b, (nuint)(i + 8));
                acc0 = Vector256.FusedMultiplyAdd(d0, d0, acc0);
                acc1 = Vector256.FusedMultiplyAdd(d1, d1, acc1);
            }
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
                acc0 = Vector256.FusedMultiplyAdd(d, d, acc0);
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Dot product over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)(i + 16)), Vector512.LoadUnsafe(ref b, (nuint)(i + 16)), acc1);
            }
            for (; i <= n - 16; i += 16)
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)), acc1);
            }
            for (; i <= n - 8; i += 8)
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>Σ (a[d] - s[d]·c[d])² with byte codes c: the L2 distance of a query to a quantised vector, where
    /// a = query - min and s = per-dimension step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QuantL2(ref float a, ref float s, ref byte c, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Avx512F.IsSupported && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var cf = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)i)));
                var d = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref s, (nuint)i) * cf;
                acc = Vector512.FusedMultiplyAdd(d, d, acc);
            }
            sum = Vector512.Sum(acc);
        }
        else if (Avx2.IsSupported && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var bytes = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref c, i))).AsByte();
                var cf = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes));
                var d = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref s, (nuint)i) * cf;
                acc = Vector256.FusedMultiplyAdd(d, d, acc);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref s, i) * Unsafe.Add(ref c, i);
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Σ w[d]·c[d] with byte codes c (the code-dependent part of a dot product with a quantised vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float QuantDot(ref float w, ref byte c, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Avx512F.IsSupported && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var cf = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)i)));
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, (nuint)i), cf, acc);
            }
            sum = Vector512.Sum(acc);
        }
        else if (Avx2.IsSupported && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var bytes = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref c, i))).AsByte();
                var cf = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes));
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, (nuint)i), cf, acc);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref w, i) * Unsafe.Add(ref c, i);
        return sum;
    }

    /// <summary>Distance in the index's convention (smaller is closer) between two float vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(VectorMetric metric, ref float a, ref float b, int n) =>
        metric == VectorMetric.L2 ? L2Squared(ref a, ref b, n) : 1f - Dot(ref a, ref b, n);

    /// <summary>Same as <see cref="Distance(VectorMetric, ref float, ref float, int)"/> through TensorPrimitives (flat index, re-rank).</summary>
    public static float Distance(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (metric == VectorMetric.L2)
        {
            float d = TensorPrimitives.Distance(a, b);
            return d * d;
        }
        return 1f - TensorPrimitives.Dot(a, b);
    }

    /// <summary>
    /// Checks a vector for the index and writes the stored form into <paramref name="destination"/> (normalised for
    /// cosine). Throws <see cref="ArgumentException"/> without side effects.
    /// </summary>
    public static void Prepare(VectorMetric metric, int dimensions, ReadOnlySpan<float> vector, Span<float> destination, string paramName)
    {
        if (vector.Length != dimensions)
            throw new ArgumentException($"Vector has {vector.Length} dimensions; this index takes {dimensions}.", paramName);
        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
                throw new ArgumentException($"Vector component {i} is {vector[i]}; NaN and Infinity are not allowed.", paramName);
        }
        if (metric == VectorMetric.Cosine)
        {
            float norm = TensorPrimitives.Norm(vector);
            if (!(norm > 0f) || !float.IsFinite(norm))
                throw new ArgumentException("A zero (or overflowing) vector cannot be normalised for the cosine metric.", paramName);
            TensorPrimitives.Divide(vector, norm, destination);
        }
        else
        {
            if (metric == VectorMetric.L2 || metric == VectorMetric.InnerProduct)
            {
                // Reject vectors whose squared norm overflows: their distances would be Infinity/NaN.
                float sq = TensorPrimitives.SumOfSquares(vector);
                if (!float.IsFinite(sq))
                    throw new ArgumentException("Vector is too large: its squared norm overflows float32.", paramName);
            }
            vector.CopyTo(destination);
        }
    }
}

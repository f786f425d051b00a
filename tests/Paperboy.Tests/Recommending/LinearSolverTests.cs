using System.Numerics.Tensors;
using Paperboy.Search.Recommending;
using Paperboy.Tests.Vectors;

namespace Paperboy.Tests.Recommending;

/// <summary>The two linear solvers on data whose answer is known.</summary>
public sealed class LinearSolverTests
{
    /// <summary>Points on either side of a random hyperplane through the origin, with a margin, unit length.</summary>
    private static (float[] Rows, sbyte[] Labels, float[] Normal) Separable(int n, int d, int positives, int seed)
    {
        var rng = new Random(seed);
        var normal = Unit(Enumerable.Range(0, d).Select(_ => VectorData.Gaussian(rng)).ToArray());
        var rows = new float[n * d];
        var labels = new sbyte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (sbyte)(i < positives ? 1 : -1);
            float[] x;
            do x = Unit(Enumerable.Range(0, d).Select(_ => VectorData.Gaussian(rng)).ToArray());
            while (labels[i] * TensorPrimitives.Dot<float>(x, normal) < 0.15f);
            x.CopyTo(rows, i * d);
        }
        return (rows, labels, normal);
    }

    private static float[] Unit(float[] v)
    {
        var norm = TensorPrimitives.Norm<float>(v);
        return v.Select(x => x / norm).ToArray();
    }

    public static TheoryData<string> Solvers => ["logistic", "svm"];

    private static LinearModel Train(string solver, float[] rows, sbyte[] labels, int d, float[]? weights = null)
    {
        weights ??= Enumerable.Repeat(1f, labels.Length).ToArray();
        var set = new TrainingSet(rows, labels, weights, d);
        return solver == "svm" ? LinearSvm.Train(set, new LinearSvm.Settings(C: 10)) : LogisticRegression.Train(set, new LogisticRegression.Settings(Lambda: 1e-4, MaxIterations: 200));
    }

    [Theory]
    [MemberData(nameof(Solvers))]
    public void Linearly_separable_data_is_separated(string solver)
    {
        const int d = 16;
        var (rows, labels, normal) = Separable(300, d, positives: 150, seed: 3);
        var model = Train(solver, rows, labels, d);
        for (int i = 0; i < labels.Length; i++)
            Assert.True(labels[i] * model.Decide(rows.AsSpan(i * d, d)) > 0, $"example {i} (label {labels[i]}) is on the wrong side");
        // And it found (nearly) the true direction, not just some separator of these points.
        var cosine = TensorPrimitives.CosineSimilarity<float>(model.Weights, normal);
        Assert.True(cosine > 0.8, $"cosine to the true normal {cosine:0.000}");
        var (fresh, freshLabels, _) = Separable(200, d, positives: 100, seed: 3);
        int errors = Enumerable.Range(0, 200).Count(i => freshLabels[i] * model.Decide(fresh.AsSpan(i * d, d)) <= 0);
        Assert.True(errors <= 6, $"{errors} of 200 unseen points misclassified");
    }

    [Theory]
    [MemberData(nameof(Solvers))]
    public void Balanced_weights_stop_a_few_positives_from_being_drowned(string solver)
    {
        const int d = 16;
        var (rows, labels, _) = Separable(405, d, positives: 5, seed: 4);
        // Push the positives towards the negatives' side: unweighted, a regularised model gives up on them.
        var weights = new float[labels.Length];
        TrainingSet.Balanced(labels, weights);
        Assert.Equal(labels.Length, weights.Sum(), 2);
        Assert.Equal(weights[0] * 5, weights[^1] * 400, 2);
        var set = new TrainingSet(rows, labels, weights, d);
        var model = solver == "svm" ? LinearSvm.Train(set, new LinearSvm.Settings(C: 0.05)) : LogisticRegression.Train(set, new LogisticRegression.Settings(Lambda: 0.05));
        for (int i = 0; i < 5; i++) Assert.True(model.Decide(rows.AsSpan(i * d, d)) > 0, $"positive {i} is scored negative");
    }

    [Fact]
    public void Logistic_regression_reaches_the_minimum_the_gradient_says()
    {
        const int d = 8;
        var (rows, labels, _) = Separable(200, d, positives: 60, seed: 5);
        // Flip a few labels so that the optimum is finite even with little regularisation.
        for (int i = 0; i < 200; i += 17) labels[i] = (sbyte)-labels[i];
        var weights = Enumerable.Repeat(1f, 200).ToArray();
        var set = new TrainingSet(rows, labels, weights, d);
        const double lambda = 0.01;
        var model = LogisticRegression.Train(set, new LogisticRegression.Settings(Lambda: lambda, MaxIterations: 500, Tolerance: 1e-6));
        // The gradient of λ/2‖w‖² + mean log(1 + e^(−y(w·x+b))) vanishes at the optimum.
        var grad = model.Weights.Select(w => lambda * w).ToArray();
        double gradBias = 0;
        for (int i = 0; i < 200; i++)
        {
            double z = labels[i] * model.Decide(rows.AsSpan(i * d, d));
            double coef = -labels[i] / (1 + Math.Exp(z)) / 200;
            gradBias += coef;
            for (int k = 0; k < d; k++) grad[k] += (float)(coef * rows[i * d + k]);
        }
        Assert.True(grad.Max(Math.Abs) < 1e-4 && Math.Abs(gradBias) < 1e-4, $"gradient {grad.Max(Math.Abs)}, {gradBias} at the answer");
        Assert.True(model.Weights.Max(Math.Abs) > 0.1, "the model learnt nothing");
    }

    [Theory]
    [MemberData(nameof(Solvers))]
    public void The_same_data_gives_the_same_model(string solver)
    {
        var (rows, labels, _) = Separable(100, 8, positives: 20, seed: 6);
        var a = Train(solver, rows, labels, 8);
        var b = Train(solver, rows, labels, 8);
        Assert.Equal(a.Weights, b.Weights);
        Assert.Equal(a.Bias, b.Bias);
    }

    [Fact]
    public void A_training_set_rejects_mismatched_shapes_and_labels()
    {
        Assert.Throws<ArgumentException>(() => new TrainingSet(new float[10], new sbyte[] { 1, -1 }, new float[2], 4));
        Assert.Throws<ArgumentException>(() => new TrainingSet(new float[8], new sbyte[] { 1, 0 }, new float[2], 4));
        Assert.Throws<ArgumentException>(() => new TrainingSet(new float[8], new sbyte[] { 1, -1 }, new float[3], 4));
    }
}

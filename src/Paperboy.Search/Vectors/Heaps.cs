using System.Runtime.CompilerServices;

namespace Paperboy.Search.Vectors;

/// <summary>A (distance, internal id) pair.</summary>
internal struct Candidate
{
    public float Distance;
    public int Id;
    public Candidate(float distance, int id) { Distance = distance; Id = id; }
}

/// <summary>Binary heap on an array of structs. <c>Max</c> keeps the farthest on top (results), otherwise the closest (candidates).</summary>
internal sealed class CandidateHeap
{
    private Candidate[] _items = new Candidate[64];
    private int _count;
    private readonly bool _max;

    public CandidateHeap(bool max) => _max = max;

    public int Count => _count;
    public Candidate Top => _items[0];
    public Span<Candidate> Items => _items.AsSpan(0, _count);

    public void Clear() => _count = 0;

    /// <summary>Empties a max-heap of the k nearest into hits, closest first, each element named by its label.</summary>
    public VectorHit[] DrainNearestFirst(VectorLabel[] labels)
    {
        var hits = new VectorHit[_count];
        for (int i = hits.Length - 1; i >= 0; i--)
        {
            var c = Pop();
            hits[i] = new VectorHit(labels[c.Id], c.Distance);
        }
        return hits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Above(float a, float b) => _max ? a > b : a < b;

    public void Push(float distance, int id)
    {
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var items = _items;
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Above(distance, items[parent].Distance)) break;
            items[i] = items[parent];
            i = parent;
        }
        items[i] = new Candidate(distance, id);
    }

    public Candidate Pop()
    {
        var items = _items;
        var top = items[0];
        var last = items[--_count];
        int n = _count;
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && Above(items[child + 1].Distance, items[child].Distance)) child++;
            if (!Above(items[child].Distance, last.Distance)) break;
            items[i] = items[child];
            i = child;
        }
        if (n > 0) items[i] = last;
        return top;
    }
}

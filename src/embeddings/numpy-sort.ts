// numpy's default argsort (kind="quicksort": introsort — median-of-3 quicksort, insertion sort below
// 16 elements, heapsort past 2·log2(n) levels; numpy/core/src/npysort/quicksort.cpp, aquicksort_)
// over float64 keys, step for step. It is not stable, and gensim and scikit-learn order ties by
// whatever it does (gensim's vocabulary: np.argsort(counts)[::-1]; CountVectorizer's max_features:
// (-tfs).argsort()), so reproducing their orders means reproducing it.

const SMALL_QUICKSORT = 15;

function msb(n: number): number {
  let depth = 0;
  while (n > 1) {
    n = Math.floor(n / 2);
    depth++;
  }
  return depth;
}

function aheapsort(v: ArrayLike<number>, a: Int32Array, start: number, n: number): void {
  // 1-based indexing over a[start .. start + n), as numpy's aheapsort_ (a = tosort - 1).
  const at = (i: number) => a[start + i - 1];
  const set = (i: number, x: number) => { a[start + i - 1] = x; };
  // Sifts tmp down from position l of the 1-based heap of the first m entries.
  const siftDown = (l: number, tmp: number, m: number) => {
    let i = l, j = l << 1;
    while (j <= m) {
      if (j < m && v[at(j)] < v[at(j + 1)]) j += 1;
      if (v[tmp] < v[at(j)]) {
        set(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  };
  for (let l = n >> 1; l > 0; --l) siftDown(l, at(l), n);
  for (; n > 1;) {
    const tmp = at(n);
    set(n, at(1));
    n -= 1;
    siftDown(1, tmp, n);
  }
}

/** np.argsort(v) (default kind) for keys without NaN: the permutation numpy returns, ties included. */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const swap = (x: number, y: number) => { const t = tosort[x]; tosort[x] = tosort[y]; tosort[y] = t; };
  let pl = 0, pr = num - 1;
  const stack: number[] = [];
  const depthStack: number[] = [];
  let cdepth = msb(num) * 2;
  for (;;) {
    if (cdepth < 0) {
      aheapsort(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[tosort[pm]] < v[tosort[pl]]) swap(pm, pl);
        if (v[tosort[pr]] < v[tosort[pm]]) swap(pr, pm);
        if (v[tosort[pm]] < v[tosort[pl]]) swap(pm, pl);
        const vp = v[tosort[pm]];
        let pi = pl, pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi; while (v[tosort[pi]] < vp);
          do --pj; while (vp < v[tosort[pj]]);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        const pk = pr - 1;
        swap(pi, pk);
        // Push the larger partition, continue with the smaller.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      // Insertion sort.
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi], vp = v[vi];
        let pj = pi, pk = pi - 1;
        while (pj > pl && vp < v[tosort[pk]]) tosort[pj--] = tosort[pk--];
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return tosort;
}

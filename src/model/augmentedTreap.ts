// A treap (randomised balanced binary search tree) whose nodes carry subtree summaries.
// The trees in this model need more than a sorted set: first-fit allocation asks "first hole
// bigger than S after X" and reverse lookup asks "lowest IOVA whose translated range overlaps
// Y" — both are answered in O(log n) by summaries (max gap, max end, min key) kept per subtree.
// A treap keeps every update a split/merge on one root-to-leaf path, so `pull` (recompute one
// node's summary from its children) is the only thing a user has to get right.

export interface TreapLinks<N> {
  left: N | null;
  right: N | null;
  /** heap priority; random, so the expected depth is O(log n) */
  pri: number;
}

/** Deterministic priorities: tree shapes (and so benchmark timings) are reproducible. */
export class PriorityStream {
  private state: number;
  constructor(seed = 0x9e3779b9) {
    this.state = seed | 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return x >>> 0;
  }
}

export class AugmentedTreap<N extends TreapLinks<N>> {
  root: N | null = null;
  count = 0;

  /**
   * @param order total order on nodes; 0 only for the node itself (keys are unique)
   * @param pull recompute `n`'s summary from its own fields and its children's summaries
   */
  constructor(
    private readonly order: (a: N, b: N) => number,
    private readonly pull: (n: N) => void,
  ) {}

  insert(n: N): void {
    n.left = null;
    n.right = null;
    this.root = this.insertUnder(this.root, n);
    this.count++;
  }

  /** Removes the node that orders equal to `n`; false when there is none. */
  remove(n: N): boolean {
    const before = this.count;
    this.root = this.removeUnder(this.root, n);
    return this.count < before;
  }

  /** Recompute the summaries on the path to `n` after the caller changed `n`'s own fields. */
  touch(n: N): void {
    this.touchUnder(this.root, n);
  }

  /** In-order walk (ascending by `order`). */
  *inOrder(): Generator<N> {
    const stack: N[] = [];
    let cur = this.root;
    while (cur !== null || stack.length > 0) {
      while (cur !== null) {
        stack.push(cur);
        cur = cur.left;
      }
      const n = stack.pop() as N;
      yield n;
      cur = n.right;
    }
  }

  private insertUnder(t: N | null, n: N): N {
    if (t === null) {
      this.pull(n);
      return n;
    }
    if (n.pri > t.pri) {
      const [l, r] = this.split(t, n);
      n.left = l;
      n.right = r;
      this.pull(n);
      return n;
    }
    if (this.order(n, t) < 0) t.left = this.insertUnder(t.left, n);
    else t.right = this.insertUnder(t.right, n);
    this.pull(t);
    return t;
  }

  /** Nodes ordered before `pivot` go left, the others right. */
  private split(t: N | null, pivot: N): [N | null, N | null] {
    if (t === null) return [null, null];
    if (this.order(t, pivot) < 0) {
      const [l, r] = this.split(t.right, pivot);
      t.right = l;
      this.pull(t);
      return [t, r];
    }
    const [l, r] = this.split(t.left, pivot);
    t.left = r;
    this.pull(t);
    return [l, t];
  }

  private merge(a: N | null, b: N | null): N | null {
    if (a === null) return b;
    if (b === null) return a;
    if (a.pri > b.pri) {
      a.right = this.merge(a.right, b);
      this.pull(a);
      return a;
    }
    b.left = this.merge(a, b.left);
    this.pull(b);
    return b;
  }

  private removeUnder(t: N | null, n: N): N | null {
    if (t === null) return null;
    const c = this.order(n, t);
    if (c === 0) {
      this.count--;
      const rest = this.merge(t.left, t.right);
      t.left = null;
      t.right = null;
      return rest;
    }
    if (c < 0) t.left = this.removeUnder(t.left, n);
    else t.right = this.removeUnder(t.right, n);
    this.pull(t);
    return t;
  }

  private touchUnder(t: N | null, n: N): void {
    if (t === null) return;
    const c = this.order(n, t);
    if (c < 0) this.touchUnder(t.left, n);
    else if (c > 0) this.touchUnder(t.right, n);
    this.pull(t);
  }
}

//! Maximum-weight closure by minimum cut (Picard, 1976): choose a set of
//! nodes closed under "b requires a" that maximizes the sum of weights.
//!
//! Network: source -> v with capacity w_v for w_v > 0, v -> sink with
//! capacity -w_v for w_v < 0, and b -> a with infinite capacity for every
//! arc. A finite cut (S, T) never separates b in S from a in T, so S minus
//! the source is a closure, and the cut's capacity equals
//! `sum_{w>0} w - weight(S)`. The best closure is therefore the source side of
//! a minimum cut, and its weight `sum_{w>0} w - maxflow` is exact. Dinic's
//! algorithm with an iterative path search, so that long prerequisite chains
//! cannot overflow the stack.

#[derive(Default)]
pub(crate) struct Closure {
    adj: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<f64>,
    level: Vec<i32>,
    iter: Vec<usize>,
    queue: Vec<usize>,
    path: Vec<usize>,
}

impl Closure {
    /// Best closure over nodes `0..weights.len()`; `arcs` are `(b, a)`: b
    /// requires a. Writes the membership into `chosen` and returns its weight.
    pub fn solve(&mut self, weights: &[f64], arcs: &[(usize, usize)], chosen: &mut Vec<bool>) -> f64 {
        let k = weights.len();
        let (s, t) = (k, k + 1);
        self.adj.iter_mut().for_each(Vec::clear);
        self.adj.resize(k + 2, Vec::new());
        self.to.clear();
        self.cap.clear();
        let positive: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        let total: f64 = weights.iter().map(|w| w.abs()).sum();
        let inf = 2.0 * total + 1.0;
        let eps = 1e-13 * (total + 1.0);
        for (v, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                self.edge(s, v, w);
            } else if w < 0.0 {
                self.edge(v, t, -w);
            }
        }
        for &(b, a) in arcs {
            self.edge(b, a, inf);
        }
        let mut flow = 0.0;
        while self.bfs(s, t, eps) {
            self.iter.clear();
            self.iter.resize(k + 2, 0);
            loop {
                let pushed = self.augment(s, t, eps);
                if pushed <= 0.0 {
                    break;
                }
                flow += pushed;
            }
        }
        // Source side of the cut: reachable in the residual network.
        self.bfs(s, t, eps);
        chosen.clear();
        chosen.extend((0..k).map(|v| self.level[v] >= 0));
        let value: f64 = (0..k).filter(|&v| chosen[v]).map(|v| weights[v]).sum();
        debug_assert!((value - (positive - flow)).abs() <= 1e-6 * (total + 1.0));
        value
    }

    fn edge(&mut self, u: usize, v: usize, c: f64) {
        self.adj[u].push(self.to.len());
        self.to.push(v);
        self.cap.push(c);
        self.adj[v].push(self.to.len());
        self.to.push(u);
        self.cap.push(0.0);
    }

    fn bfs(&mut self, s: usize, t: usize, eps: f64) -> bool {
        self.level.clear();
        self.level.resize(self.adj.len(), -1);
        self.queue.clear();
        self.level[s] = 0;
        self.queue.push(s);
        let mut head = 0;
        while head < self.queue.len() {
            let u = self.queue[head];
            head += 1;
            for &e in &self.adj[u] {
                let v = self.to[e];
                if self.cap[e] > eps && self.level[v] < 0 {
                    self.level[v] = self.level[u] + 1;
                    self.queue.push(v);
                }
            }
        }
        self.level[t] >= 0
    }

    /// One augmenting path in the level graph; returns the flow pushed.
    fn augment(&mut self, s: usize, t: usize, eps: f64) -> f64 {
        self.path.clear();
        let mut u = s;
        loop {
            if u == t {
                let pushed = self.path.iter().map(|&e| self.cap[e]).fold(f64::INFINITY, f64::min);
                for &e in &self.path {
                    self.cap[e] -= pushed;
                    self.cap[e ^ 1] += pushed;
                }
                return pushed;
            }
            let mut advanced = false;
            while self.iter[u] < self.adj[u].len() {
                let e = self.adj[u][self.iter[u]];
                let v = self.to[e];
                if self.cap[e] > eps && self.level[v] == self.level[u] + 1 {
                    self.path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                self.iter[u] += 1;
            }
            if !advanced {
                // Dead end: retreat and never try this node again in this phase.
                self.level[u] = -1;
                match self.path.pop() {
                    Some(e) => {
                        u = self.to[e ^ 1];
                        self.iter[u] += 1;
                    }
                    None => return 0.0,
                }
            }
        }
    }
}

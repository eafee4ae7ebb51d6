#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- --compare`: the same models, loss and
optimizer as test/bench/bench.ts, timed the same way.

    python3 test/bench/pytorch_bench.py [--config NAME ...] [--threads N] [--quick] [--json]

Model: token -> one-hot (F.one_hot, char level) or nn.Embedding (word level)
-> nn.LSTM / nn.GRU (num_layers L, time-major (T, B, .)) -> nn.Linear(H, V),
or nn.AdaptiveLogSoftmaxWithLoss(H, V, cutoffs, div_value=4, head_bias=True)
for the adaptive configuration (its .loss in training; its target log-probs,
the .output, in scoring).
Training step: zero_grad, forward, F.cross_entropy (mean over the T*B tokens),
backward, clip_grad_norm_(5), Adam(lr 2e-3) step, hidden state carried and
detached (truncated BPTT). Scoring: the forward and the loss under no_grad.
Token ids are uniform random from a seeded generator at char level, Zipf
distributed (P(id) ~ 1/(id + 1)) at word level, as in bench.ts; tokens/s = T*B*steps /
seconds; median of the timed runs after a warm-up, each run ~1-3 s.

Threads: torch.set_num_threads(N). The caller (bench.ts) also sets
OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and OMP_WAIT_POLICY=PASSIVE in the
environment before Python starts, since OpenBLAS reads them at load time.
Not part of the project: PyTorch is never a dependency of rnnlm or of CI.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# name: (cell, layers, hidden, vocab, embedding, batch, window) -- keep in step with CONFIGS in bench.ts
CONFIGS = {
    'char-lstm-1x128': ('lstm', 1, 128, 65, 0, 32, 64),
    'char-lstm-2x256': ('lstm', 2, 256, 65, 0, 32, 64),
    'char-gru-2x256': ('gru', 2, 256, 65, 0, 32, 64),
    'char-lstm-1x512': ('lstm', 1, 512, 65, 0, 32, 64),
    'word-lstm-2x200': ('lstm', 2, 200, 10000, 200, 20, 35),
    'word-lstm-2x200-adaptive': ('lstm', 2, 200, 10000, 200, 20, 35),
}
# adaptive softmax cut-offs per configuration -- keep in step with bench.ts
CUTOFFS = {'word-lstm-2x200-adaptive': [2000, 6000]}


class LM(nn.Module):
    def __init__(self, cell, layers, hidden, vocab, embedding, cutoffs=None):
        super().__init__()
        self.vocab = vocab
        self.adaptive = cutoffs is not None
        self.embedding = nn.Embedding(vocab, embedding) if embedding > 0 else None
        rnn = nn.LSTM if cell == 'lstm' else nn.GRU
        self.rnn = rnn(embedding if embedding > 0 else vocab, hidden, num_layers=layers)
        self.decoder = (nn.AdaptiveLogSoftmaxWithLoss(hidden, vocab, cutoffs, div_value=4.0, head_bias=True)
                        if cutoffs else nn.Linear(hidden, vocab))

    def forward(self, x, state):
        # x (T, B) int64 ids; id < 0 is the zero input (first step of a stream)
        if self.embedding is not None:
            inp = self.embedding(x.clamp(min=0)) * (x >= 0).unsqueeze(-1)
        else:
            inp = F.one_hot(x.clamp(min=0), self.vocab).float() * (x >= 0).unsqueeze(-1)
        out, state = self.rnn(inp, state)
        return (out if self.adaptive else self.decoder(out)), state


def init_like_rnnlm(model, hidden, cell):
    """rnnlm's initModel: every weight/bias uniform in +-1/sqrt(H), embedding +-0.1,
    decoder bias 0, LSTM forget-gate bias_ih 1 and bias_hh 0."""
    k = 1.0 / hidden ** 0.5
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == 'embedding.weight':
                p.uniform_(-0.1, 0.1)
            elif name in ('decoder.bias', 'decoder.head.bias'):
                p.zero_()
            elif name.startswith('decoder.tail.') and name.endswith('.1.weight'):
                p.uniform_(-1.0 / p.shape[1] ** 0.5, 1.0 / p.shape[1] ** 0.5)
            else:
                p.uniform_(-k, k)
        if cell == 'lstm':
            for l in range(model.rnn.num_layers):
                getattr(model.rnn, f'bias_ih_l{l}')[hidden:2 * hidden].fill_(1.0)
                getattr(model.rnn, f'bias_hh_l{l}')[hidden:2 * hidden].fill_(0.0)


def detach(state):
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def bench_config(name, quick, budget):
    cell, L, H, V, E, B, T = CONFIGS[name]
    torch.manual_seed(1)
    cutoffs = CUTOFFS.get(name)
    model = LM(cell, L, H, V, E, cutoffs)
    init_like_rnnlm(model, H, cell)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(7)
    if E > 0:
        zipf = 1.0 / torch.arange(1, V + 1, dtype=torch.float64)
        draw = lambda: torch.multinomial(zipf, T * B, replacement=True, generator=g).view(T, B)
    else:
        draw = lambda: torch.randint(0, V, (T, B), generator=g)
    batches = [(draw(), draw()) for _ in range(4)]

    def loss_of(out, y, reduction):
        if cutoffs:
            r = model.decoder(out.view(-1, H), y.view(-1))
            return r.loss if reduction == 'mean' else -r.output.sum()
        return F.cross_entropy(out.view(-1, V), y.view(-1), reduction=reduction)
    state = [None]
    i = [0]

    def train_step():
        x, y = batches[i[0] % 4]
        i[0] += 1
        opt.zero_grad(set_to_none=False)
        logits, st = model(x, state[0])
        loss = loss_of(logits, y, 'mean')
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state[0] = detach(st)
        return loss.item()

    def score_step():
        x, y = batches[i[0] % 4]
        i[0] += 1
        with torch.no_grad():
            logits, st = model(x, state[0])
            loss = loss_of(logits, y, 'sum')
        state[0] = st
        return loss.item()

    runs = 3 if quick else 5
    out = {'config': name, 'params': param_count(model)}
    for kind, step in (('train', train_step), ('score', score_step)):
        # warm-up: at least 2 steps and 0.5 s (0.2 s quick)
        t0 = time.perf_counter()
        n = 0
        while n < 2 or time.perf_counter() - t0 < (0.2 if quick else 0.5):
            step()
            n += 1
        per_step = (time.perf_counter() - t0) / n
        steps = max(1, min(10000, round(budget / per_step)))
        rates = []
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(runs):
            s = time.perf_counter()
            for _ in range(steps):
                step()
            rates.append(T * B * steps / (time.perf_counter() - s))
        cpu_share = (time.process_time() - c0) / (time.perf_counter() - w0)  # summed over threads
        out[kind] = {'tokPerS': statistics.median(rates), 'runs': rates, 'stepsPerRun': steps, 'cpuShare': cpu_share}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config', action='append', choices=sorted(CONFIGS), help='run only these (repeatable)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--quick', action='store_true', help='3 short runs instead of 5')
    ap.add_argument('--json', action='store_true', help='one JSON object on stdout')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    budget = 0.6 if args.quick else 1.5
    names = args.config or list(CONFIGS)
    results = [bench_config(n, args.quick, budget) for n in names]
    meta = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'OMP_WAIT_POLICY')},
        'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.json:
        json.dump({'meta': meta, 'results': results}, sys.stdout)
        print()
        return
    print(f"PyTorch {meta['torch']}, {meta['threads']} thread(s), env {meta['env']}")
    print(f"{'config':<18} {'params':>10} {'train tok/s':>12} {'score tok/s':>12}")
    for r in results:
        print(f"{r['config']:<18} {r['params']:>10} {r['train']['tokPerS']:>12.0f} {r['score']['tokPerS']:>12.0f}")


if __name__ == '__main__':
    main()

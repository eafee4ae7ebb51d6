#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- --quality` (see test/bench/quality.ts).

    python3 test/bench/quality_pytorch.py --train train.i32 --val val.i32 --vocab V --steps N
                                          [--eval-every E] [--seed S] [--threads 2] [--defaults]

Reads the token ids rnnlm prepared (little-endian int32; <EOS> = 0, <UNK> = 1,
then the characters in code point order) and trains a char LSTM 2x256 the way
rnnlm's core/train.ts does in stream mode:
  - B = 32 contiguous lanes of floor(N / B) tokens, read in windows of T = 64
    (the last window of an epoch shorter), state carried between windows and
    reset at the start of each epoch; input at position p is id[p-1], the zero
    vector at p = 0;
  - one-hot input, nn.LSTM(V, 256, num_layers=2), nn.Linear(256, V); weights
    uniform +-1/sqrt(H), decoder bias 0, forget-gate bias_ih 1 / bias_hh 0;
  - loss: mean cross-entropy over the window's tokens; clip_grad_norm_ 5;
    Adam lr 2e-3 (betas 0.9, 0.999, eps 1e-8);
  - validation: the same stream reading of the validation ids from a zero
    state, mean nats per token, every --eval-every steps and at the end.
With --defaults, the model of issue 12's comparison at PyTorch's own defaults instead: nn.Embedding(V, 256)
(N(0, 1)), nn.LSTM(256, 256, num_layers=2) and nn.Linear(256, V) with their default initialisation, nothing
copied from rnnlm (the zero input at a lane's start is a zero embedding).
Prints one JSON line: {"torch": version, "history": [{step, tokens, valLoss}]}.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

B, T, H, L = 32, 64, 256, 2


def windows(ids, b, t):
    """(reset, inputs (t, b), targets (t, b)) as rnnlm's streamPlan yields them."""
    n = len(ids)
    lane = n // b
    base = np.arange(b) * lane
    for start in range(0, lane, t):
        tt = min(t, lane - start)
        pos = base[None, :] + start + np.arange(tt)[:, None]  # (tt, b)
        tgt = ids[pos]
        inp = ids[np.maximum(pos - 1, 0)]
        if start == 0:
            inp[0, :] = -1  # every lane starts with the zero input, as rnnlm's streamPlan
        yield start == 0, torch.from_numpy(inp.astype(np.int64)), torch.from_numpy(tgt.astype(np.int64))


class LM(nn.Module):
    def __init__(self, vocab, defaults=False):
        super().__init__()
        self.vocab = vocab
        self.embedding = None
        if defaults:
            self.embedding = nn.Embedding(vocab, H)
            self.rnn = nn.LSTM(H, H, num_layers=L)
            self.decoder = nn.Linear(H, vocab)
            return
        self.rnn = nn.LSTM(vocab, H, num_layers=L)
        self.decoder = nn.Linear(H, vocab)
        k = 1.0 / H ** 0.5
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name == 'decoder.bias':
                    p.zero_()
                elif name == 'rnn.weight_ih_l0':
                    p.uniform_(-4.0, 4.0)  # rnnlm's ONE_HOT_INIT (src/core/model.ts)
                else:
                    p.uniform_(-k, k)
            for l in range(L):
                getattr(self.rnn, f'bias_ih_l{l}')[H:2 * H].fill_(1.0)
                getattr(self.rnn, f'bias_hh_l{l}')[H:2 * H].fill_(0.0)

    def forward(self, x, state):
        if self.embedding is not None:
            inp = self.embedding(x.clamp(min=0)) * (x >= 0).unsqueeze(-1)
            out, state = self.rnn(inp, state)
            return self.decoder(out), state
        inp = F.one_hot(x.clamp(min=0), self.vocab).float() * (x >= 0).unsqueeze(-1)
        out, state = self.rnn(inp, state)
        return self.decoder(out), state


def evaluate(model, ids, vocab):
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for reset, x, y in windows(ids, B, T):
            if reset:
                state = None
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1), reduction='sum').item()
            count += y.numel()
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', required=True)
    ap.add_argument('--val', required=True)
    ap.add_argument('--vocab', type=int, required=True)
    ap.add_argument('--steps', type=int, required=True)
    ap.add_argument('--eval-every', type=int, default=0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--defaults', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    V = args.vocab
    train_ids = np.fromfile(args.train, dtype='<i4')
    val_ids = np.fromfile(args.val, dtype='<i4')
    model = LM(V, args.defaults)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
    history = []
    step, tokens, state = 0, 0, None
    t0 = time.perf_counter()
    while step < args.steps:
        for reset, x, y in windows(train_ids, B, T):
            if reset:
                state = None
            opt.zero_grad()
            logits, state = model(x, state)
            loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            state = tuple(s.detach() for s in state)
            step += 1
            tokens += y.numel()
            if step % 100 == 0:
                print(f'  PyTorch step {step}/{args.steps}, loss {loss.item():.3f}, {tokens / (time.perf_counter() - t0):.0f} tok/s', file=sys.stderr)
            if (args.eval_every > 0 and step % args.eval_every == 0) or step == args.steps:
                v = evaluate(model, val_ids, V)
                print(f'  PyTorch step {step} validation {v:.4f}', file=sys.stderr)
                history.append({'step': step, 'tokens': tokens, 'valLoss': v})
            if step >= args.steps:
                break
    print(json.dumps({'torch': torch.__version__, 'history': history}))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""PyTorch side of `npm run bench -- --quality-word` (see test/bench/quality-word.ts).

    python3 test/bench/quality_word_pytorch.py --train train.i32 --val val.i32 --vocab V
        --output full|adaptive [--cutoffs 2000,10000] --minutes M --eval-every STEPS [--seed S] [--threads 2]

PyTorch's word_language_model example at its defaults (LSTM 2x200, tied, dropout 0.2, SGD lr 20, clip 0.25,
batch 20 x 35, lr / 4 when validation does not improve), reading the token ids rnnlm prepared (little-endian
int32, the vocabulary sorted by frequency after <EOS> = 0 and <UNK> = 1), with the example's initialisation
(embedding and decoder uniform +-0.1, decoder bias 0, the LSTM's own defaults):
  - B = 20 contiguous lanes of floor(N / B) tokens, read in windows of T = 35 (the last window of an epoch
    shorter), state carried between windows and reset at the start of each epoch; input at position p is id[p-1],
    the zero vector at p = 0 (as rnnlm's stream reading);
  - Embedding(V, 200) -> dropout 0.2 -> LSTM(200, 200, 2, dropout 0.2) -> dropout 0.2 -> output layer:
    full: Linear(200, V) with its weight tied to the embedding; adaptive: AdaptiveLogSoftmaxWithLoss(200, V,
    cutoffs, div_value 4, head_bias True), untied;
  - loss: mean cross-entropy over the window; clip_grad_norm_ 0.25; plain SGD;
  - validation: the same stream reading of the validation ids from a zero state, mean nats per token, every
    --eval-every steps and when the time is up; the time budget counts the evaluations too.
Prints one JSON line: {"torch", "params", "history": [{step, tokens, seconds, valLoss, lr}]}.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from quality_pytorch import windows  # rnnlm's stream reading, shared with the character-level script

B, T, H, L, DROPOUT = 20, 35, 200, 2, 0.2


class LM(nn.Module):
    def __init__(self, vocab, output, cutoffs):
        super().__init__()
        self.encoder = nn.Embedding(vocab, H)
        self.drop = nn.Dropout(DROPOUT)
        self.rnn = nn.LSTM(H, H, num_layers=L, dropout=DROPOUT)
        self.adaptive = output == 'adaptive'
        if self.adaptive:
            self.decoder = nn.AdaptiveLogSoftmaxWithLoss(H, vocab, cutoffs, div_value=4.0, head_bias=True)
        else:
            self.decoder = nn.Linear(H, vocab)
            self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        if not self.adaptive:
            nn.init.zeros_(self.decoder.bias)

    def forward(self, x, state):
        emb = self.encoder(x.clamp(min=0)) * (x >= 0).unsqueeze(-1)
        out, state = self.rnn(self.drop(emb), state)
        return self.drop(out), state

    def loss(self, out, y, reduction):
        h = out.reshape(-1, H)
        y = y.reshape(-1)
        if self.adaptive:
            lp = self.decoder(h, y).output  # log P(target)
            return -lp.sum() if reduction == 'sum' else -lp.mean()
        return F.cross_entropy(self.decoder(h), y, reduction=reduction)


def evaluate(model, ids):
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for reset, x, y in windows(ids, B, T):
            if reset:
                state = None
            out, state = model(x, state)
            total += model.loss(out, y, 'sum').item()
            count += y.numel()
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', required=True)
    ap.add_argument('--val', required=True)
    ap.add_argument('--vocab', type=int, required=True)
    ap.add_argument('--output', choices=['full', 'adaptive'], required=True)
    ap.add_argument('--cutoffs', default='')
    ap.add_argument('--minutes', type=float, required=True)
    ap.add_argument('--eval-every', type=int, required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    V = args.vocab
    cutoffs = [int(c) for c in args.cutoffs.split(',') if c]
    train_ids = np.fromfile(args.train, dtype='<i4')
    val_ids = np.fromfile(args.val, dtype='<i4')
    model = LM(V, args.output, cutoffs)
    params = sum(p.numel() for p in model.parameters())
    lr = 20.0
    best = float('inf')
    history = []
    step, tokens, state = 0, 0, None
    budget = args.minutes * 60
    t0 = time.perf_counter()
    done = False
    while not done:
        for reset, x, y in windows(train_ids, B, T):
            if reset:
                state = None
            model.zero_grad()
            out, state = model(x, state)
            loss = model.loss(out, y, 'mean')
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-lr)
            state = tuple(s.detach() for s in state)
            step += 1
            tokens += y.numel()
            elapsed = time.perf_counter() - t0
            out_of_time = elapsed >= budget
            if step % 200 == 0:
                print(f'  PyTorch {args.output}: step {step}, loss {loss.item():.3f}, {tokens / elapsed:.0f} tok/s', file=sys.stderr)
            if step % args.eval_every == 0 or out_of_time:
                v = evaluate(model, val_ids)
                history.append({'step': step, 'tokens': tokens, 'seconds': time.perf_counter() - t0, 'valLoss': v, 'lr': lr})
                print(f'  PyTorch {args.output}: step {step}, {tokens} tokens, validation {v:.4f} (ppl {np.exp(v):.1f})', file=sys.stderr)
                # the example's schedule: lr / 4 when validation does not improve
                if v < best:
                    best = v
                else:
                    lr /= 4.0
            if out_of_time:
                done = True
                break
    print(json.dumps({'torch': torch.__version__, 'params': params, 'history': history}))


if __name__ == '__main__':
    main()

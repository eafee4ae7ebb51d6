#!/usr/bin/env python3
"""Train an rnnlm model with PyTorch DistributedDataParallel, and hand it back.

    rnnlm export model.json -o model.safetensors                  # the model: config, vocabulary, initial weights
    rnnlm encode -m model.json train.txt -o train.ids.safetensors  # the corpus as rnnlm tokenizes it
    torchrun --nproc_per_node 2 examples/pytorch/train_ddp.py \\
        --model model.safetensors --ids train.ids.safetensors --val val.ids.safetensors \\
        --steps 200 --out trained.safetensors
    rnnlm import trained.safetensors -o trained.json               # a checkpoint rnnlm scores, samples, fine-tunes

The model is rnnlm's (docs/checkpoint.md): an embedding or one-hot input, L
stacked cells, a full softmax (tied or not) or an adaptive softmax. lstm and
rnn use nn.LSTM / nn.RNN (the same equations and tensor layout); gru,
gru-simple and the peephole LSTM are small modules of their own below, since
nn.GRU applies the reset gate after the recurrent product and nn.LSTM has no
peepholes. The corpus is read as one token stream (every sentence followed by
<EOS>), cut into --batch contiguous lanes shared out among the processes, in
windows of --bptt steps with the state carried (truncated BPTT): rnnlm's
`--sentence stream` / `file` convention. Adam, gradients clipped to a global
norm (rnnlm's defaults); dropout, if the model has it, between layers and on
the top layer's output. Depends on PyTorch and safetensors only.

Each process prints JSON lines; rank 0 evaluates --val (one lane, the state
carried, nats per token as `rnnlm eval --batch 1` computes them) and writes
--out with the input's metadata, so `rnnlm import` needs nothing else.
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel as DDP


class Textbook(nn.Module):
    """Stacked gru / gru-simple / peephole-LSTM layers with rnnlm's equations and tensor names."""

    def __init__(self, cfg, D):
        super().__init__()
        self.cell, self.L, self.H = cfg['cell'], cfg['layers'], cfg['hidden']
        G = {'gru': 3, 'gru-simple': 2, 'lstm': 4}[self.cell]
        for l in range(self.L):
            inp = D if l == 0 else self.H
            self.register_parameter(f'weight_ih_l{l}', nn.Parameter(torch.zeros(G * self.H, inp)))
            self.register_parameter(f'weight_hh_l{l}', nn.Parameter(torch.zeros(G * self.H, self.H)))
            self.register_parameter(f'bias_ih_l{l}', nn.Parameter(torch.zeros(G * self.H)))
            self.register_parameter(f'bias_hh_l{l}', nn.Parameter(torch.zeros(G * self.H)))
            if self.cell == 'lstm':
                self.register_parameter(f'weight_peephole_l{l}', nn.Parameter(torch.zeros(3 * self.H)))
        self.dropout = cfg.get('dropout', 0.0)

    def step(self, l, x, a, c):
        H = self.H
        blk = lambda v, k: v[..., k * H:(k + 1) * H]
        xp = x @ getattr(self, f'weight_ih_l{l}').t() + getattr(self, f'bias_ih_l{l}') + getattr(self, f'bias_hh_l{l}')
        Whh = getattr(self, f'weight_hh_l{l}')
        sig, tanh = torch.sigmoid, torch.tanh
        if self.cell == 'lstm':  # Γu | Γf | c̃ | Γo, peepholes read c<t-1>
            pre = xp + a @ Whh.t()
            p = getattr(self, f'weight_peephole_l{l}')
            u = sig(blk(pre, 0) + blk(p, 0) * c)
            f = sig(blk(pre, 1) + blk(p, 1) * c)
            ct = tanh(blk(pre, 2))
            o = sig(blk(pre, 3) + blk(p, 2) * c)
            c = u * ct + f * c
            return o * tanh(c), c
        if self.cell == 'gru':  # Γr | Γu | c̃, the reset gate BEFORE the product
            r = sig(blk(xp, 0) + a @ blk(Whh.t(), 0))
            u = sig(blk(xp, 1) + a @ blk(Whh.t(), 1))
            ct = tanh(blk(xp, 2) + (r * a) @ blk(Whh.t(), 2))
            return u * ct + (1 - u) * a, c
        u = sig(blk(xp, 0) + a @ blk(Whh.t(), 0))  # gru-simple: Γu | c̃
        ct = tanh(blk(xp, 1) + a @ blk(Whh.t(), 1))
        return u * ct + (1 - u) * a, c

    def forward(self, x, state):
        T, B, _ = x.shape
        if state is None:
            z = x.new_zeros(self.L, B, self.H)
            state = (z, z.clone())
        a, c = list(state[0].unbind(0)), list(state[1].unbind(0))
        outs = []
        for t in range(T):
            h = x[t]
            for l in range(self.L):
                if l > 0 and self.training and self.dropout > 0:
                    h = F.dropout(h, self.dropout)
                a[l], c[l] = self.step(l, h, a[l], c[l])
                h = a[l]
            outs.append(h)
        return torch.stack(outs), (torch.stack(a), torch.stack(c))


class RnnLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        V, H, L, E = cfg['vocabSize'], cfg['hidden'], cfg['layers'], cfg['embedding']
        self.V, self.H, self.cfg = V, H, cfg
        self.embedding = nn.Embedding(V, E) if E else None
        D, p = E or V, cfg.get('dropout', 0.0)
        if cfg['cell'] == 'lstm' and not cfg['peephole']:
            self.rnn = nn.LSTM(D, H, L, dropout=p if L > 1 else 0.0)
        elif cfg['cell'] == 'rnn':
            self.rnn = nn.RNN(D, H, L, dropout=p if L > 1 else 0.0)
        else:
            self.rnn = Textbook(cfg, D)
        self.adaptive = 'cutoffs' in cfg
        if self.adaptive:
            self.decoder = nn.AdaptiveLogSoftmaxWithLoss(H, V, cfg['cutoffs'], div_value=cfg.get('adaptiveDiv', 4.0), head_bias=True)
        else:
            self.decoder = nn.Linear(H, V)
            if cfg.get('tied'):
                self.decoder.weight = self.embedding.weight

    def log_probs_of(self, x, y, state):
        """log P(y[t, b]) (T, B) for inputs x (T, B) (-1: the zero input), and the state after."""
        mask = (x >= 0).unsqueeze(-1)
        xi = x.clamp(min=0)
        inp = (self.embedding(xi) if self.embedding is not None else F.one_hot(xi, self.V).float()) * mask
        out, state = self.rnn(inp, state)
        if self.training and self.cfg.get('dropout', 0.0) > 0:
            out = F.dropout(out, self.cfg['dropout'])
        h = out.reshape(-1, self.H)
        if self.adaptive:
            lp = self.decoder(h, y.reshape(-1)).output
        else:
            lp = F.log_softmax(self.decoder(h), dim=-1).gather(1, y.reshape(-1, 1)).squeeze(1)
        return lp.view(y.shape), state

    def forward(self, x, y, state):
        lp, state = self.log_probs_of(x, y, state)
        return -lp.mean(), state


def rnnlm_names(model):
    """The state dict under rnnlm's names (docs/checkpoint.md): rnn.* without its prefix; a tied decoder.weight left out."""
    out = {}
    for k, v in model.state_dict().items():
        if model.cfg.get('tied') and k == 'decoder.weight':
            continue
        out[k[4:] if k.startswith('rnn.') else k] = v.detach().float().contiguous().cpu()
    return out


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def stream(ids):
    """Inputs (the previous token; -1 = the zero input at the start) and targets of a token stream."""
    ids = ids.long()
    return torch.cat([ids.new_full((1,), -1), ids[:-1]]), ids


def evaluate(model, ids, bptt):
    """Nats per token over the stream in one lane, the state carried (rnnlm eval --batch 1)."""
    x, y = stream(ids)
    model.eval()
    total, state = 0.0, None
    with torch.no_grad():
        for s in range(0, len(y), bptt):
            lp, state = model.log_probs_of(x[s:s + bptt].view(-1, 1), y[s:s + bptt].view(-1, 1), state)
            total -= lp.double().sum().item()
    model.train()
    return total / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True, help='rnnlm export\'s .safetensors (config, vocabulary, initial weights)')
    ap.add_argument('--ids', required=True, help='rnnlm encode\'s .safetensors of the training text')
    ap.add_argument('--val', help='rnnlm encode\'s .safetensors of a validation text (evaluated at the end by rank 0)')
    ap.add_argument('--out', required=True, help='where rank 0 writes the trained weights (.safetensors, for rnnlm import)')
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--batch', type=int, default=20, help='lanes in all, shared out among the processes')
    ap.add_argument('--bptt', type=int, default=35)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--clip', type=float, default=5.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1, help='torch threads per process')
    args = ap.parse_args()

    distributed = 'WORLD_SIZE' in os.environ
    if distributed:
        dist.init_process_group('gloo')  # CPU; 'nccl' on GPUs
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed + rank)
    if args.batch % world:
        raise SystemExit(f'--batch {args.batch} does not split among {world} processes')

    with safe_open(args.model, 'pt') as f:
        meta = f.metadata()
    desc = json.loads(meta['rnnlm'])
    cfg = desc['config']
    model = RnnLM(cfg)
    weights = load_file(args.model)
    own = dict(model.named_parameters())
    with torch.no_grad():
        for name, w in weights.items():
            key = name if name in own else f'rnn.{name}'
            own[key].copy_(w)
    net = DDP(model, find_unused_parameters=model.adaptive) if distributed else model
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    ids = load_file(args.ids)['ids']
    if int(ids.max()) >= cfg['vocabSize']:
        raise SystemExit('the ids do not fit the model\'s vocabulary: encode the text with this model (rnnlm encode -m)')
    x, y = stream(ids)
    lane = len(y) // args.batch
    mine = range(rank * args.batch // world, (rank + 1) * args.batch // world)
    X = torch.stack([x[b * lane:(b + 1) * lane] for b in mine], 1)  # (lane, B/world)
    Y = torch.stack([y[b * lane:(b + 1) * lane] for b in mine], 1)
    state, pos, t0, losses = None, 0, time.perf_counter(), []
    for step in range(1, args.steps + 1):
        if pos + args.bptt > lane:
            pos, state = 0, None  # a new epoch: the state starts afresh
        loss, state = net(X[pos:pos + args.bptt], Y[pos:pos + args.bptt], state)
        state = detach(state)
        opt.zero_grad()
        loss.backward()  # DDP averages the gradients of the processes here
        if args.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        pos += args.bptt
        losses.append(loss.item())
    seconds = time.perf_counter() - t0
    tokens = args.steps * args.bptt * len(mine)
    print(json.dumps({'rank': rank, 'world': world, 'steps': args.steps, 'tokensPerSecond': tokens / seconds,
                      'seconds': seconds, 'lastLoss': sum(losses[-10:]) / len(losses[-10:])}), flush=True)
    if rank == 0:
        out = {'rank': 0}
        if args.val:
            val = load_file(args.val)['ids']
            out['valNatsPerToken'] = evaluate(model, val, args.bptt)
            out['valTokens'] = len(val)
        save_file(rnnlm_names(model), args.out, metadata={'format': 'pt', 'rnnlm': meta['rnnlm'],
                                                          'trainedWith': f'examples/pytorch/train_ddp.py, {world} processes, {args.steps} steps'})
        out['wrote'] = args.out
        print(json.dumps(out), flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()

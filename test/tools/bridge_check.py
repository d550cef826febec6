"""Run by test/tools/bridge.test.ts: the Python bridge (python/dctcm_torch.py) against a real server.

Writes some tensors as .npy into the folder given as argv[1] (the test recomputes their bits with the
golden model) and prints one JSON object of results on stdout. Any failed check raises: exit code 1.
"""

import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'python'))
from dctcm_torch import QUANTIZE_ONLY, DctcmError, DctcmServer, allocate_layers, attach_codec, layer_sensitivity  # noqa: E402

out_dir = sys.argv[1]
res = {}


def activations(rng, shape, dtype):
    """Sparse, mostly small values with a few at the extremes, like quantized activations."""
    info = np.iinfo(dtype)
    a = np.where(rng.random(shape) < 0.4, 0, rng.integers(0, info.max // 6 + 1, shape))
    if info.min < 0:
        a = a * np.where(rng.random(shape) < 0.5, -1, 1)
    a = np.where(rng.random(shape) < 0.03, info.max, a)
    return a.astype(dtype)


class Fire(torch.nn.Module):
    """Two convs reading the same tensor, as in SqueezeNet."""

    def __init__(self, cin, sq, ex):
        super().__init__()
        self.squeeze = torch.nn.Conv2d(cin, sq, 1)
        self.e1 = torch.nn.Conv2d(sq, ex, 1)
        self.e3 = torch.nn.Conv2d(sq, ex, 3, padding=1)

    def forward(self, x):
        x = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.e1(x)), torch.relu(self.e3(x))], 1)


class Block(torch.nn.Module):
    """A residual block whose downsampling conv reads the block's input after two other convs ran."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(c, 8, 1)
        self.down = torch.nn.Conv2d(c, 8, 1)

    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))) + self.down(x))


with DctcmServer(workers=2) as server:
    rng = np.random.default_rng(5)
    # plain tensors: exact under lossless, for every dtype
    for dt in ('uint8', 'int8', 'uint16', 'int16'):
        a = activations(rng, (16, 6, 7), np.dtype(dt))
        np.save(os.path.join(out_dir, f'{dt}.npy'), a)
        d, ans = server.code(a)
        assert d.dtype == a.dtype and d.shape == a.shape, (d.dtype, d.shape)
        res[dt] = {'exact': bool((d == a).all()), 'bits': ans['bits']}
    # lossy: the test compares the decoded tensor with the golden model's reconstruction
    a = activations(rng, (16, 6, 7), np.uint8)
    np.save(os.path.join(out_dir, 'lossy.npy'), a)
    d, ans = server.code(a, policy='auto', quant_shift=2, tile_pixels=9)
    np.save(os.path.join(out_dir, 'lossy.decoded.npy'), d)
    res['lossy'] = {'bits': ans['bits'], 'max_error': int(np.abs(d.astype(int) - a).max())}
    # a batch split over the two server processes
    b = activations(rng, (5, 8, 4, 6), np.uint8)
    for k in range(b.shape[0]):
        np.save(os.path.join(out_dir, f'batch{k}.npy'), b[k])
    d, ans = server.code(b)
    res['batch'] = {'exact': bool((d == b).all()), 'bits': ans['bits'], 'item_bits': ans['item_bits']}
    # encode and decode
    blob, ans = server.encode(a, policy='auto', quant_shift=1)
    back, _ = server.decode(blob)
    d1, _ = server.code(a, policy='auto', quant_shift=1)
    res['encode'] = {'bits': len(blob) * 8, 'answer_bits': ans['bits'], 'decode_matches_code': bool((back == d1).all())}
    # an error answer is an exception, and the server goes on serving
    try:
        server.code(a, policy='fast')
        res['error'] = None
    except DctcmError as e:
        res['error'] = e.code
    d, _ = server.code(a)
    res['after_error_exact'] = bool((d == a).all())

    # the hooks on a model: conv0 (8 channels in, so it can be coded: signed input), a fire module, a block
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), Fire(16, 8, 8), Block(16)).eval()
    calib = torch.randn(6, 8, 10, 12)
    x = torch.randn(3, 8, 10, 12)
    seen = {}  # the float inputs each conv gets, captured before the codec's hooks run
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    caps = [m.register_forward_pre_hook(lambda mod, args, n=n: seen.__setitem__(n, args[0].detach().clone())) for n, m in convs]
    with torch.no_grad():
        y_float = model(x)
        codec = attach_codec(model, server, skip_first=False)
        codec.calibrate([calib[:3], calib[3:]])
        names = [layer.name for layer in codec.layers]
        signed = {layer.name: layer.signed for layer in codec.layers}
        y_q = model(x)
        s_q = codec.summary()
        codec.configure('codec', policy='lossless')
        codec.reset_stats()
        y_l = model(x)
        s_l = codec.summary()
        codec.configure('codec', policy='auto', quant_shift=2)
        codec.reset_stats()
        y_a = model(x)
        s_a = codec.summary()
        # the bits the hooks counted, recomputed: quantize each captured input by hand and code it
        by_hand = 0
        for layer in codec.layers:
            if layer.shared_with is not None:
                continue
            v = seen[layer.name] / layer.scale
            q = torch.clamp(torch.round(v), -128, 127) if layer.signed else torch.clamp(torch.round(v), 0, 255)
            q = q.numpy().astype(np.int8 if layer.signed else np.uint8)
            _, ans = server.code(q, policy='auto', quant_shift=2)
            by_hand += ans['bits']
        # per-layer settings: each coded tensor's bits are those of its own settings, alone; an input
        # left QUANTIZE_ONLY is counted at 8 bits per value and is the quantize mode's
        per = {'2.squeeze': {'policy': 'lossless'}, '2.e1': {'policy': 'auto', 'quant_shift': 1}, '2.e3': {'policy': 'auto', 'quant_shift': 1}, '3.conv1': QUANTIZE_ONLY}
        codec.configure('codec', layers=per, policy='auto', quant_shift=2)
        codec.reset_stats()
        y_p = model(x)
        s_p = codec.summary()
        want = {}
        for ly in s_p['layers']:
            if ly['shared_with'] is not None:
                continue
            st = per.get(ly['name'], {'policy': 'auto', 'quant_shift': 2})
            v = seen[ly['name']] / codec.layers[names.index(ly['name'])].scale
            signed_ = signed[ly['name']]
            q = torch.clamp(torch.round(v), -128, 127) if signed_ else torch.clamp(torch.round(v), 0, 255)
            q = q.numpy().astype(np.int8 if signed_ else np.uint8)
            want[ly['name']] = q.size * 8 if st == QUANTIZE_ONLY else server.code(q, **st)[1]['bits']
        per_layer = {
            'bits': {ly['name']: ly['bits'] for ly in s_p['layers'] if ly['shared_with'] is None},
            'want': want,
            'settings': {ly['name']: ly['settings'] for ly in s_p['layers']},
            'lossless_sqnr_inf': s_p['layers'][names.index('2.squeeze')]['sqnr_db'] == float('inf'),
            'auto_sqnr': s_p['layers'][names.index('0')]['sqnr_db'],
        }
        try:
            codec.configure('codec', layers={'nope': {}})
            per_layer['unknown_layer_error'] = None
        except ValueError as e:
            per_layer['unknown_layer_error'] = str(e)
        # the sensitivity statistics and the allocation they give
        cands = [{'policy': 'lossless'}, {'policy': 'auto', 'quant_shift': 1}, {'policy': 'auto', 'quant_shift': 3}]
        sens = layer_sensitivity(codec, [calib[:3]], cands)
        alloc = {f: allocate_layers(codec, sens, cands, f) for f in (0.0, 1.0)}
        codec.remove()
        y_removed = model(x)
        codec2 = attach_codec(model, server)
        res['skip_first'] = [layer.name for layer in codec2.layers]
        codec2.remove()
    for h in caps:
        h.remove()
    res['hooks'] = {
        'layers': names,
        'signed': signed,
        'shared': {ly['name']: ly['shared_with'] for ly in s_l['layers'] if ly['shared_with']},
        'quantize_ratio': s_q['ratio'],
        'lossless_equals_quantize': bool(torch.equal(y_l, y_q)),
        'quantize_differs_from_float': bool(not torch.equal(y_q, y_float)),
        'lossless_ratio': s_l['ratio'],
        'lossless_bits': s_l['bits'],
        'lossless_raw_bits': s_l['raw_bits'],
        'auto_bits': s_a['bits'],
        'auto_bits_by_hand': by_hand,
        'auto_differs': bool(not torch.equal(y_a, y_q)),
        'auto_close': float((y_a - y_q).abs().max() / y_q.abs().max()),
        'removed_is_float': bool(torch.equal(y_removed, y_float)),
    }
    res['per_layer'] = per_layer
    res['sensitivity'] = {k: [list(x) for x in v] for k, v in sens.items()}
    res['alloc'] = {f'{f:g}': {k: v.get('quant_shift', 0) for k, v in a.items()} for f, a in alloc.items()}

# allocate_layers on made-up statistics: the step with the most bits saved per added divergence first
class _L:
    def __init__(self, name, shared_with=None):
        self.name, self.shared_with = name, shared_with


class _C:
    layers = [_L('a'), _L('b'), _L('c'), _L('c2', 'c')]


toy = {'a': [(100, 0.0), (60, 0.5), (50, 2.0)], 'b': [(100, 0.0), (90, 0.5), (80, 0.75)], 'c': [(100, 0.0), (99, 0.0), (70, 1.5)]}
toy_c = [{'policy': 'lossless'}, {'policy': 'auto', 'quant_shift': 1}, {'policy': 'auto', 'quant_shift': 2}]
# (binary fractions: the sums are exact) divergence of all at the coarsest 4.25; budget 0.25 -> 1.0625:
# c's free step, then a (80 bits per unit), then b (20); b's second step (40) would pass the budget
res['toy'] = {f'{f:g}': {k: v.get('quant_shift', 0) for k, v in allocate_layers(_C(), toy, toy_c, f).items()} for f in (0.0, 0.25, 1.0)}

print(json.dumps(res))

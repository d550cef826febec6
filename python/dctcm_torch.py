"""The DCT-CM codec on a PyTorch model's Conv2d inputs, through `dctcm serve`.

Two parts, standard library + NumPy + PyTorch only:

- ``DctcmServer``: a client of ``node dist/tools/dctcm.js serve`` (protocol in docs/SERVE.md). It codes
  integer tensors (C x H x W or N x C x H x W, uint8/int8/uint16/int16) and returns the decoded tensor
  and the compressed size in bits. ``workers=n`` runs n server processes and splits batches among them.
- ``ConvInputCodec`` (``attach_codec``): forward pre-hooks on every ``torch.nn.Conv2d`` of a model. Each
  hook quantizes the layer's input with a per-layer scale calibrated on a calibration batch
  (``q = clip(round(x / scale), 0, 2^bits - 1)``, ``scale = max / (2^bits - 1)``; signed, int8-style, if
  the layer's calibration input had negative values), codes ``q`` through the server, dequantizes the
  decoded values (``q * scale``) and counts the compressed bits against ``bits`` bits per value.

    from dctcm_torch import DctcmServer, attach_codec
    with DctcmServer() as server:
        codec = attach_codec(model, server)          # every Conv2d but the first
        codec.calibrate([calibration_batch])         # per-layer scales from these inputs
        codec.configure('codec', policy='auto', quant_shift=1)
        logits = model(batch)
        print(codec.summary()['ratio'])              # bits at 8 bits per value / compressed bits

Run the project's build first (``npm ci && npm run build``): the server is ``dist/tools/dctcm.js``.
"""

import json
import os
import subprocess
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

PROTOCOL_VERSION = 1
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_COMMAND = ['node', os.path.join(REPO_ROOT, 'dist', 'tools', 'dctcm.js'), 'serve']

# protocol dtype names <-> NumPy dtypes (16-bit values travel little-endian)
_NP_DTYPES = {'uint8': np.dtype('u1'), 'int8': np.dtype('i1'), 'uint16': np.dtype('<u2'), 'int16': np.dtype('<i2')}


class DctcmError(Exception):
    """An error answer of the server: ``code`` is one of docs/SERVE.md's error codes."""

    def __init__(self, code, message):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message


def _dtype_name(dtype):
    d = np.dtype(dtype)
    for name, npd in _NP_DTYPES.items():
        if d.kind == npd.kind and d.itemsize == npd.itemsize:
            return name
    raise TypeError(f'dtype {d} is not supported: use uint8, int8, uint16 or int16')


class _Connection:
    """One `dctcm serve` process, one request at a time."""

    def __init__(self, command, env):
        try:
            self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        except FileNotFoundError as e:
            raise RuntimeError(f'cannot start {command[0]!r} for dctcm serve: {e}') from e
        self._lock = threading.Lock()
        self._next_id = 1

    def request(self, header, payload=b''):
        with self._lock:
            rid = self._next_id
            self._next_id += 1
            h = dict(header, id=rid, bytes=len(payload))
            # The leading LF ends any stray bytes a broken earlier frame left behind (docs/SERVE.md 3).
            frame = b'\n' + json.dumps(h, separators=(',', ':')).encode() + b'\n'
            try:
                self._proc.stdin.write(frame)
                if payload:
                    self._proc.stdin.write(payload)
                    self._proc.stdin.write(b'\n')
                self._proc.stdin.flush()
            except BrokenPipeError:
                raise RuntimeError(self._exited()) from None
            while True:
                line = self._proc.stdout.readline()
                if not line:
                    raise RuntimeError(self._exited())
                ans = json.loads(line)
                n = ans.get('bytes', 0)
                body = self._proc.stdout.read(n) if n else b''
                if n:
                    if len(body) != n or self._proc.stdout.read(1) != b'\n':
                        raise RuntimeError('dctcm serve: answer payload cut short')
                if ans.get('id') == rid:
                    break
                # an answer to something this client did not send (cannot happen with this client)
            if not ans.get('ok'):
                err = ans.get('error', {})
                raise DctcmError(err.get('code', 'unknown'), err.get('message', ''))
            return ans, body

    def _exited(self):
        code = self._proc.poll()
        return (
            f'dctcm serve exited (code {code}); is the project built (npm run build)? command: {" ".join(self._proc.args)}'
            if code is not None
            else 'dctcm serve closed its output'
        )

    def close(self):
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()


class DctcmServer:
    """Client of `dctcm serve`. ``workers`` server processes; batches of ``code`` are split among them.

    Settings (keyword arguments of ``code`` and ``encode``) are the protocol's: policy ('lossless',
    'auto', 'dct'), quant_shift, dct_size, data_width, bus_width, dct_precision, tile_pixels.
    """

    def __init__(self, command=None, workers=1, env=None):
        if workers < 1:
            raise ValueError('workers must be at least 1')
        self.command = list(command or DEFAULT_COMMAND)
        self._conns = []
        try:
            for _ in range(workers):
                self._conns.append(_Connection(self.command, env))
            self.info, _ = self._conns[0].request({'op': 'hello'})
        except BaseException:
            self.close()
            raise
        if self.info.get('protocol') != PROTOCOL_VERSION:
            self.close()
            raise RuntimeError(f'dctcm serve speaks protocol {self.info.get("protocol")}, this client {PROTOCOL_VERSION}')
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None

    @property
    def workers(self):
        return len(self._conns)

    def request(self, header, payload=b''):
        """One raw request on the first server: (answer header, answer payload). Raises DctcmError."""
        return self._conns[0].request(header, payload)

    @staticmethod
    def _tensor_header(op, a, settings):
        return {'op': op, 'dtype': _dtype_name(a.dtype), 'shape': list(a.shape), 'settings': settings}

    def _code_one(self, conn, a, settings):
        a = np.ascontiguousarray(a, dtype=_NP_DTYPES[_dtype_name(a.dtype)])
        ans, body = conn.request(self._tensor_header('code', a, settings), a.tobytes())
        out = np.frombuffer(body, dtype=a.dtype).reshape(a.shape)
        return out, ans

    def code(self, array, **settings):
        """Encodes and decodes a C x H x W or N x C x H x W integer array (each of the N coded as its own
        tensor). Returns (decoded array, answer): answer['bits'] is the compressed size of all of them
        (file headers included), answer['item_bits'] (4-D input) the size of each."""
        a = np.asarray(array)
        if a.ndim == 4 and self._pool is not None and a.shape[0] > 1:
            parts = [p for p in np.array_split(a, min(self.workers, a.shape[0])) if p.shape[0] > 0]
            futures = [self._pool.submit(self._code_one, self._conns[i], p, settings) for i, p in enumerate(parts)]
            results = [f.result() for f in futures]
            out = np.concatenate([r[0] for r in results])
            ans = dict(results[0][1])
            for key in ('bits', 'stream_bits', 'input_bits', 'tiles'):
                ans[key] = sum(r[1][key] for r in results)
            ans['modes'] = {m: sum(r[1]['modes'][m] for r in results) for m in ans['modes']}
            ans['item_bits'] = [b for r in results for b in r[1]['item_bits']]
            ans['shape'] = list(a.shape)
            ans['ratio'] = ans['input_bits'] / ans['bits']
            ans['bytes'] = out.nbytes
            return out, ans
        return self._code_one(self._conns[0], a, settings)

    def encode(self, array, **settings):
        """Compresses a C x H x W integer array: (.dctcm file bytes, answer)."""
        a = np.ascontiguousarray(array)
        a = a.astype(_NP_DTYPES[_dtype_name(a.dtype)], copy=False)
        ans, body = self.request(self._tensor_header('encode', a, settings), a.tobytes())
        return body, ans

    def decode(self, data):
        """Decompresses .dctcm file bytes: (array, answer)."""
        ans, body = self.request({'op': 'decode'}, bytes(data))
        return np.frombuffer(body, dtype=_NP_DTYPES[ans['dtype']]).reshape(ans['shape']), ans

    def close(self):
        if getattr(self, '_pool', None) is not None:
            self._pool.shutdown()
        for c in self._conns:
            c.close()
        self._conns = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


MODES = ('float', 'calibrate', 'quantize', 'codec')
QUANTIZE_ONLY = 'quantize'  # a value of configure's ``layers``: that layer's input is quantized, not coded


class _Layer:
    def __init__(self, name, module):
        self.name = name
        self.module = module
        self.handle = None
        self.max = 0.0  # calibration: largest input value seen
        self.min = 0.0  # and smallest (negative => signed)
        self.scale = None
        self.signed = False
        self.shared_with = None  # set when this layer's input was the same tensor as another layer's
        self.settings = None  # codec settings of this layer's input, replacing the model-wide ones
        self.values = 0  # coded values since the last reset
        self.bits = 0  # compressed bits of them
        self.tensors = 0
        self.signal = 0.0  # sum of q^2 over them (integer units)
        self.noise = 0.0  # sum of (decoded - q)^2


class ConvInputCodec:
    """Forward pre-hooks on a model's Conv2d layers that put the codec on their inputs.

    mode: 'float' (hooks do nothing), 'calibrate' (record each input's range), 'quantize' (per-layer
    ``bits``-bit quantization only, counted at ``bits`` bits per value), 'codec' (quantize, code through
    the server with ``settings``, dequantize what it decoded, count its bits).

    Layers: every Conv2d in ``model.named_modules()`` order, without the first if ``skip_first`` (for
    most models the one that reads the image) and without the names in ``skip``. When several layers
    read the same tensor in one forward pass of ``model`` (a SqueezeNet fire's two expands, a ResNet
    block's first conv and its downsampling conv), it is coded once and counted once, as an accelerator
    would store it once.
    """

    def __init__(self, model, server, settings=None, bits=8, skip_first=True, skip=()):
        if not 2 <= bits <= 16:
            raise ValueError('bits must be from 2 to 16')
        self.model = model
        self.server = server
        self.bits = bits
        self.settings = dict(settings or {})
        self.mode = 'float'
        convs = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
        if not convs:
            raise ValueError('the model has no Conv2d layers')
        skip = set(skip)
        unknown = skip - {n for n, _ in convs}
        if unknown:
            raise ValueError(f'skip names layers that are not Conv2d modules of the model: {sorted(unknown)}')
        if skip_first:
            skip.add(convs[0][0])
        self.layers = [_Layer(n, m) for n, m in convs if n not in skip]
        # Inputs coded during the current forward pass: id -> (weak ref to the input, its version, scale,
        # signed, output, layer name). A later layer reading the same tensor reuses the output.
        self._coded = {}
        self._root_handle = model.register_forward_pre_hook(lambda module, args: self._coded.clear())
        for layer in self.layers:
            layer.handle = layer.module.register_forward_pre_hook(self._hook_for(layer))

    def _hook_for(self, layer):
        def hook(module, args):
            return self._hook(layer, args)

        return hook

    def configure(self, mode, layers=None, **settings):
        """Sets the mode and, for 'codec', replaces the codec settings by ``settings``. ``layers`` (codec
        only) maps layer names to settings that replace ``settings`` for those layers' inputs (per-layer
        operating points, e.g. from ``allocate_layers``), or to QUANTIZE_ONLY ('quantize': only quantized,
        counted at ``bits`` bits per value); a tensor that several layers read is coded with the settings
        of the first that reads it."""
        if mode not in MODES:
            raise ValueError(f'mode {mode!r} is not one of {MODES}')
        names = {layer.name for layer in self.layers}
        unknown = set(layers or ()) - names
        if unknown:
            raise ValueError(f'layers names layers that are not coded: {sorted(unknown)}')
        if layers and mode != 'codec':
            raise ValueError('per-layer settings need mode codec')
        self.mode = mode
        if mode == 'codec':
            self.settings = dict(settings)
            for layer in self.layers:
                st = (layers or {}).get(layer.name)
                layer.settings = QUANTIZE_ONLY if st == QUANTIZE_ONLY else None if st is None else dict(st)
        self._coded.clear()

    @torch.no_grad()
    def calibrate(self, batches):
        """Per-layer scales from the inputs the layers see on ``batches`` (a tensor or an iterable of
        model inputs): scale = max / (2^bits - 1), or max |x| / (2^(bits-1) - 1) for a layer whose input
        had negative values. Leaves the mode at 'quantize'."""
        if isinstance(batches, torch.Tensor):
            batches = [batches]
        for layer in self.layers:
            layer.max, layer.min, layer.scale = 0.0, 0.0, None
        self.mode = 'calibrate'
        for b in batches:
            self.model(b)
        for layer in self.layers:
            layer.signed = layer.min < 0
            top = max(layer.max, -layer.min) if layer.signed else layer.max
            levels = 2 ** (self.bits - 1) - 1 if layer.signed else 2**self.bits - 1
            layer.scale = top / levels if top > 0 else 1.0
        self.configure('quantize')
        self.reset_stats()

    def _quantize(self, x, layer):
        if layer.signed:
            lo, hi = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1
        else:
            lo, hi = 0, 2**self.bits - 1
        q = torch.clamp(torch.round(x / layer.scale), lo, hi)
        return q

    def _hook(self, layer, args):
        x = args[0]
        if self.mode == 'float':
            return None
        if self.mode == 'calibrate':
            layer.max = max(layer.max, float(x.max()))
            layer.min = min(layer.min, float(x.min()))
            return None
        if layer.scale is None:
            raise RuntimeError(f'layer {layer.name} has no scale: call calibrate() first')
        hit = self._coded.get(id(x))
        if hit is not None and hit[0]() is x and hit[1] == x._version and hit[2] == layer.scale and hit[3] == layer.signed:
            layer.shared_with = hit[5]
            return (hit[4],) + tuple(args[1:])
        q = self._quantize(x.detach(), layer)
        n = q.numel()
        if self.mode == 'quantize' or layer.settings == QUANTIZE_ONLY:
            deq = q * layer.scale
            bits = n * self.bits
        else:
            qa = q.to(torch.int32).cpu().numpy()
            if self.bits <= 8:
                qa = qa.astype(np.int8 if layer.signed else np.uint8)
            else:
                qa = qa.astype('<i2' if layer.signed else '<u2')
            if qa.ndim == 3:
                qa = qa[None]
            if qa.ndim != 4:
                raise ValueError(f'layer {layer.name}: input of shape {tuple(x.shape)} is not N x C x H x W')
            settings = dict(self.settings if layer.settings is None else layer.settings)
            settings.setdefault('data_width', self.bits)
            try:
                dec, ans = self.server.code(qa, **settings)
            except DctcmError as e:
                raise DctcmError(e.code, f'layer {layer.name} (input {tuple(x.shape)}): {e.message}') from None
            err = dec.astype(np.float64) - qa
            layer.signal += float(np.square(qa, dtype=np.float64).sum())
            layer.noise += float(np.square(err).sum())
            deq = torch.from_numpy(dec.astype(np.float32)).reshape(x.shape).to(x.device) * layer.scale
            bits = ans['bits']
        deq = deq.to(x.dtype)
        layer.values += n
        layer.bits += bits
        layer.tensors += x.shape[0] if x.dim() == 4 else 1
        # entries whose input is gone can never be hit again (and their id may be reused)
        for k in [k for k, v in self._coded.items() if v[0]() is None]:
            del self._coded[k]
        self._coded[id(x)] = (weakref.ref(x), x._version, layer.scale, layer.signed, deq, layer.name)
        return (deq,) + tuple(args[1:])

    def reset_stats(self):
        for layer in self.layers:
            layer.values = layer.bits = layer.tensors = 0
            layer.signal = layer.noise = 0.0

    def summary(self):
        """Counts since the last reset: per layer and in total, values, compressed bits, bits at
        ``bits`` bits per value, and their ratio (None when nothing was coded); under 'codec' also each
        layer's settings and SQNR in dB (signal q^2 over error (decoded - q)^2 of its coded values, inf
        when exact)."""
        layers = []
        for layer in self.layers:
            raw = layer.values * self.bits
            layers.append(
                {
                    'name': layer.name,
                    'scale': layer.scale,
                    'signed': layer.signed,
                    'shared_with': layer.shared_with,
                    'tensors': layer.tensors,
                    'values': layer.values,
                    'raw_bits': raw,
                    'bits': layer.bits,
                    'ratio': raw / layer.bits if layer.bits else None,
                    'settings': None if self.mode != 'codec' or layer.settings == QUANTIZE_ONLY else dict(self.settings if layer.settings is None else layer.settings),
                    'sqnr_db': _db(layer.signal, layer.noise) if layer.values and layer.shared_with is None else None,
                }
            )
        raw = sum(x['raw_bits'] for x in layers)
        bits = sum(x['bits'] for x in layers)
        return {'mode': self.mode, 'settings': dict(self.settings), 'raw_bits': raw, 'bits': bits, 'ratio': raw / bits if bits else None, 'layers': layers}

    def remove(self):
        """Detaches the hooks; the model is as before."""
        for layer in self.layers:
            if layer.handle is not None:
                layer.handle.remove()
                layer.handle = None
        if self._root_handle is not None:
            self._root_handle.remove()
            self._root_handle = None
        self._coded.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _db(signal, noise):
    if noise == 0:
        return float('inf')
    return 10 * np.log10(signal / noise) if signal > 0 else float('-inf')


def layer_sensitivity(codec, batches, candidates):
    """Per-layer statistics for choosing per-layer settings: for every coded tensor and every candidate
    (settings dicts), the compressed bits of that tensor on ``batches`` (model inputs, e.g. the
    calibration batch) and the mean KL divergence of the model's output distribution (softmax of its
    output) from the 8-bit model's when only that tensor is coded with the candidate, every other layer
    only quantized. Returns {layer name: [(bits, kl) per candidate]} for the layers that code their input
    (not those that share another's). Costs one forward pass of ``batches`` per layer and candidate.
    Leaves the mode at 'quantize'."""
    if isinstance(batches, torch.Tensor):
        batches = [batches]
    with torch.no_grad():
        codec.configure('quantize')
        ref = [torch.log_softmax(codec.model(b).float(), 1) for b in batches]  # also finds shared inputs
        stats = {}
        for layer in codec.layers:
            if layer.shared_with is not None:
                continue
            readers = {ly.name for ly in codec.layers if ly.name == layer.name or ly.shared_with == layer.name}
            stats[layer.name] = []
            for cand in candidates:
                codec.configure('codec', layers={ly.name: (cand if ly.name in readers else QUANTIZE_ONLY) for ly in codec.layers})
                codec.reset_stats()
                kl = 0.0
                n = 0
                for b, r in zip(batches, ref):
                    out = torch.log_softmax(codec.model(b).float(), 1)
                    kl += float((r.exp() * (r - out)).sum())
                    n += r.shape[0]
                stats[layer.name].append((layer.bits, kl / n))
    codec.configure('quantize')
    codec.reset_stats()
    return stats


def allocate_layers(codec, stats, candidates, budget):
    """Per-layer settings from ``layer_sensitivity``'s statistics: every layer starts at candidates[0]
    (the finest); the step that saves the most bits per unit of added KL divergence (a layer moving to its
    next candidate) is taken while the summed KL of the chosen settings stays within ``budget`` times the
    summed KL of all layers at the last candidate (an additive model: 0 takes only steps that add no
    divergence, 1 allows the coarsest everywhere). Layers that share another's input follow it. Returns {layer name:
    settings} for ``configure('codec', layers=...)``."""
    level = {name: 0 for name in stats}
    kl = lambda name: max(0.0, stats[name][level[name]][1])  # noqa: E731 (a measured KL can be a hair below 0)
    limit = budget * sum(max(0.0, st[-1][1]) for st in stats.values()) * (1 + 1e-9)  # (sums in any order)
    while True:
        used = sum(kl(name) for name in stats)
        best = None
        for name, st in stats.items():
            i = level[name]
            if i + 1 >= len(st):
                continue
            saved = st[i][0] - st[i + 1][0]
            added = max(0.0, st[i + 1][1]) - kl(name)
            if saved <= 0 or used + added > limit:
                continue
            score = saved / added if added > 0 else float('inf')
            if best is None or score > best[0]:
                best = (score, name)
        if best is None:
            break
        level[best[1]] += 1
    chosen = {name: dict(candidates[i]) for name, i in level.items()}
    for layer in codec.layers:
        if layer.shared_with in chosen:
            chosen[layer.name] = dict(chosen[layer.shared_with])
    return chosen


def attach_codec(model, server, settings=None, bits=8, skip_first=True, skip=()):
    """Attaches a ConvInputCodec to model (see its documentation) and returns it."""
    return ConvInputCodec(model, server, settings=settings, bits=bits, skip_first=skip_first, skip=skip)

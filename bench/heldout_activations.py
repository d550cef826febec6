#!/usr/bin/python3
"""SqueezeNet 1.1 conv-input activations of images that ../shared/data/activations does not hold.

    /usr/bin/python3 bench/heldout_activations.py --out /tmp/heldout [--first 100 --count 12 --calib 16]
    npm run build && node dist/tools/dctcm.js analyze /tmp/heldout --policy auto --quant-shift 1

A check of the codec's fixed rules (FORMAT.md 5.3) on data they were not designed on: images --first ..
--first + --count - 1 of ../shared/data/imagenet-sample (sorted by file name; the shared activations are
of two other images), every Conv2d input but the first, 8-bit with per-layer scales max / 255 over the
first --calib images, as ../shared/data/README.md describes for the shared tensors. Writes
OUT/img<i>/conv<gluon index>.npy, C x H x W uint8; a tensor that two convs read (the expand 1x1 and 3x3
of a fire module) is written once, as the shared folders do.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy  # noqa: E402  (the model and image loaders of bench:accuracy)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', required=True, help='output folder (created)')
    ap.add_argument('--data', default=accuracy.DEFAULT_DATA, help='the shared data folder (default: %(default)s)')
    ap.add_argument('--first', type=int, default=100, help='first image dumped (default: %(default)s)')
    ap.add_argument('--count', type=int, default=12, help='images dumped (default: %(default)s)')
    ap.add_argument('--calib', type=int, default=16, help='calibration images, from image 0 (default: %(default)s)')
    a = ap.parse_args()
    if a.calib < 1 or a.count < 1 or a.first < a.calib:
        raise SystemExit('--calib and --count must be at least 1 and --first at least --calib (calibration images are not dumped)')
    model = accuracy.load_squeezenet(os.path.join(a.data, 'squeezenet11-weights'))
    _, u8, _ = accuracy.load_images(os.path.join(a.data, 'imagenet-sample'), a.first + a.count)
    names = accuracy.gluon_names()
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d) and n != 'features.0']
    acts = {}
    hooks = [m.register_forward_pre_hook(lambda mod, inp, n=n: acts.setdefault(n, inp[0].detach())) for n, m in convs]
    with torch.no_grad():
        model(accuracy.normalize(u8[: a.calib]))
        scale = {n: float(t.max()) / 255 for n, t in acts.items()}
        acts.clear()
        model(accuracy.normalize(u8[a.first : a.first + a.count]))
    for h in hooks:
        h.remove()
    written = 0
    seen = {}
    for n, _ in convs:
        x = acts[n]
        key = x.data_ptr()  # the expand convs of a fire module read one tensor
        if key in seen:
            continue
        seen[key] = n
        q = np.clip(np.round(x.numpy() / scale[n]), 0, 255).astype(np.uint8)
        for i in range(q.shape[0]):
            d = os.path.join(a.out, f'img{a.first + i}')
            os.makedirs(d, exist_ok=True)
            np.save(os.path.join(d, f'conv{names[n]}.npy'), q[i])
            written += 1
    print(f'{written} tensors ({len(seen)} per image, {a.count} images) in {a.out}')


if __name__ == '__main__':
    main()

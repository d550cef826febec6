#!/usr/bin/python3
"""Top-1 accuracy of SqueezeNet 1.1 with the codec on its conv inputs, against the compression ratio.

    npm run build && npm run bench:accuracy [-- --images 100 --settings 8bit,lossless,auto:2]

Data: ../shared/data (squeezenet11-weights/, imagenet-sample/; see that folder's README). The codec sits
on every Conv2d input but the first (the image): 8-bit per-layer scales calibrated on --calib images
(max over them, q = clip(round(x / scale), 0, 255)), which are then not scored. For each setting it
prints top-1 on the scored images and the ratio (bits at 8 bits per value / compressed bits, .dctcm
file headers included; a tensor read by two convs is counted once), and writes a PNG of ratio against
the top-1 drop from 8-bit. Progress goes to stderr, results to stdout.
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'python'))
from dctcm_torch import DctcmServer, allocate_layers, attach_codec, layer_sensitivity  # noqa: E402

DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, '..', 'shared', 'data'))
DEFAULT_SETTINGS = '8bit,lossless,auto:1,rd:0.05,rd:0.1,rd:0.2,rd:0.3,auto:2,auto:3'
# Candidates of a per-layer setting rd:F, finest first (dctcm_torch.allocate_layers): the sensitivity of
# the model to each layer's candidates is measured on the calibration images, which are not scored.
LAYER_CANDIDATES = [{'policy': 'lossless'}] + [{'policy': 'auto', 'quant_shift': s} for s in (1, 2)]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# torchvision's squeezenet1_1 holds its fire modules at these indices of `features` (the max-pools sit
# between them); gluon numbers the convs conv0 (features.0), three per fire, conv25 (classifier.1).
FIRE_INDICES = (3, 4, 6, 7, 9, 10, 11, 12)
README_FLOAT_TOP1 = 61.4  # ../shared/data/README.md: float top-1 on the full 1000-image sample


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def gluon_names():
    """torchvision module name -> gluon conv index, from the architecture the data README describes."""
    names = {'features.0': 0}
    for k, f in enumerate(FIRE_INDICES):
        for j, part in enumerate(('squeeze', 'expand1x1', 'expand3x3')):
            names[f'features.{f}.{part}'] = 1 + 3 * k + j
    names['classifier.1'] = 1 + 3 * len(FIRE_INDICES)
    return names


def load_squeezenet(weights_dir):
    model = torchvision.models.squeezenet1_1(weights=None)
    convs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    mapping = gluon_names()
    if convs != list(mapping):
        raise SystemExit(f'torchvision squeezenet1_1 convs {convs} differ from the expected layout {list(mapping)}')
    state = {}
    for name, i in mapping.items():
        for kind in ('weight', 'bias'):
            path = os.path.join(weights_dir, f'squeezenet0_conv{i}_{kind}.npy')
            state[f'{name}.{kind}'] = torch.from_numpy(np.load(path))
    model.load_state_dict(state, strict=True)  # also checks every shape
    return model.eval()


def load_images(folder, count):
    """The first `count` images (sorted by file name) as uint8 N x 3 x 224 x 224 and their labels."""
    with open(os.path.join(folder, 'labels.json')) as f:
        labels = json.load(f)['labels']
    files = sorted(labels)[:count]
    if len(files) < count:
        raise SystemExit(f'{folder} holds {len(files)} labelled images, fewer than --images {count}')
    tf = torchvision.transforms
    prep = tf.Compose([tf.Resize(256, interpolation=tf.InterpolationMode.BILINEAR), tf.CenterCrop(224), tf.PILToTensor()])
    out = torch.empty((count, 3, 224, 224), dtype=torch.uint8)
    for i, name in enumerate(files):
        with Image.open(os.path.join(folder, name)) as im:
            out[i] = prep(im.convert('RGB'))
        if (i + 1) % 100 == 0 or i + 1 == count:
            log(f'images: {i + 1}/{count} loaded')
    return files, out, torch.tensor([labels[n] for n in files])


def normalize(u8):
    x = u8.float() / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def parse_settings(text):
    """'8bit,lossless,auto:1,rd:0.2' -> [(label, mode, codec settings)]; a per-layer rd:F has settings
    {'kl_budget': F}, resolved on the calibration images."""
    out = []
    for item in [s.strip() for s in text.split(',') if s.strip()]:
        if item == '8bit':
            out.append(('8-bit, no codec', 'quantize', {}))
        elif item == 'lossless':
            out.append(('lossless', 'codec', {'policy': 'lossless'}))
        elif ':' in item and item.split(':')[0] in ('auto', 'dct') and item.split(':')[1].isdigit():
            policy, shift = item.split(':')
            out.append((f'{policy} s={int(shift)}', 'codec', {'policy': policy, 'quant_shift': int(shift)}))
        elif item.startswith('rd:') and _is_number(item[3:]) and 0 <= float(item[3:]) <= 1:
            out.append((f'per layer, budget {float(item[3:]):g}', 'codec', {'kl_budget': float(item[3:])}))
        else:
            raise SystemExit(f'--settings: {item!r} is not 8bit, lossless, auto:S, dct:S or rd:F (F from 0 to 1)')
    if not out:
        raise SystemExit('--settings lists no setting')
    return out


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def settings_name(st):
    return 'lossless' if st['policy'] == 'lossless' else f"{st['policy']}:{st['quant_shift']}"


@torch.no_grad()
def top1(model, images, labels, batch, progress=None):
    correct = 0
    for i in range(0, len(images), batch):
        pred = model(normalize(images[i : i + batch])).argmax(1)
        correct += int((pred == labels[i : i + batch]).sum())
        if progress:
            progress(min(i + batch, len(images)), correct)
    return 100.0 * correct / len(images)


def plot(rows, base_top1, path, title):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    # one line for the settings shared by every layer, one for the per-layer ones (by ratio)
    uniform = [r for r in rows if not r.get('layer_settings')]
    per_layer = sorted((r for r in rows if r.get('layer_settings')), key=lambda r: r['ratio'])
    for group, style, color in ((uniform, 'o-', 'tab:blue'), (per_layer, 's--', 'tab:orange')):
        if not group:
            continue
        xs = [r['ratio'] for r in group]
        ys = [base_top1 - r['top1'] for r in group]
        ax.plot(xs, ys, style, color=color, label='per layer (budget)' if group is per_layer else 'every layer alike')
        for k, (r, x, y) in enumerate(zip(group, xs, ys)):
            text = r['setting'].replace('per layer, budget ', '') if group is per_layer else r['setting']
            ax.annotate(text, (x, y), textcoords='offset points', xytext=(4, -12 if group is per_layer and k % 2 else 5), fontsize=8, color=color)
    xs = [r['ratio'] for r in rows]
    ys = [base_top1 - r['top1'] for r in rows]
    if per_layer:
        ax.legend(loc='upper left', fontsize=8)
    ax.axhline(0, color='grey', lw=0.8)
    ax.set_xlabel('compression ratio (8-bit bits / compressed bits)')
    ax.set_ylabel('top-1 drop from 8-bit, percentage points')
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.set_xlim(0.9, max(xs) * 1.15)
    ax.set_ylim(min(0.0, min(ys)) - 1.0, max(ys) * 1.15 + 1.0)  # room for the labels
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default=DEFAULT_DATA, help='the shared data folder (default: %(default)s)')
    ap.add_argument('--images', type=int, default=500, help='images used, calibration included (default: %(default)s, all)')
    ap.add_argument('--calib', type=int, default=20, help='calibration images, spread evenly over the used ones and not scored (default: %(default)s)')
    ap.add_argument('--settings', default=DEFAULT_SETTINGS, help='comma list of 8bit, lossless, auto:S, dct:S, rd:F (per layer: lossless, auto:1 or auto:2 by the bits each saves per unit of output KL divergence on the calibration images, within F times the divergence of auto:2 everywhere) (default: %(default)s)')
    ap.add_argument('--batch', type=int, default=20, help='images per forward pass (default: %(default)s)')
    ap.add_argument('--workers', type=int, default=2, help='dctcm serve processes coding in parallel (default: %(default)s)')
    ap.add_argument('--threads', type=int, default=2, help='torch threads (default: %(default)s)')
    ap.add_argument('--png', default=os.path.join(REPO_ROOT, 'docs', 'accuracy.png'), help='picture of ratio against top-1 drop (default: %(default)s)')
    ap.add_argument('--json', help='also write the results as JSON to this file')
    a = ap.parse_args()
    if a.images < 2 or not 1 <= a.calib < a.images:
        raise SystemExit('--images must be at least 2 and --calib from 1 to images - 1')
    if a.batch < 1 or a.workers < 1 or a.threads < 1:
        raise SystemExit('--batch, --workers and --threads must be positive')
    settings = parse_settings(a.settings)
    torch.set_num_threads(a.threads)
    t0 = time.time()

    model = load_squeezenet(os.path.join(a.data, 'squeezenet11-weights'))
    files, images, labels = load_images(os.path.join(a.data, 'imagenet-sample'), a.images)
    calib_idx = sorted({int(round(i * a.images / a.calib)) for i in range(a.calib)})
    calib = torch.zeros(a.images, dtype=torch.bool)
    calib[calib_idx] = True
    score_imgs, score_labels = images[~calib], labels[~calib]
    n = len(score_labels)

    float_all = top1(model, images, labels, a.batch)
    float_top1 = top1(model, score_imgs, score_labels, a.batch)
    log(f'float top-1: {float_all:.1f}% on all {a.images} images (data README: {README_FLOAT_TOP1}% on its 1000), {float_top1:.1f}% on the {n} scored')

    rows = []
    with DctcmServer(workers=a.workers) as server:
        codec = attach_codec(model, server, skip_first=True)
        codec.calibrate([normalize(images[calib])])
        log(f'calibrated {len(codec.layers)} conv inputs on {int(calib.sum())} images')
        layer_stats = None
        for label, mode, st in settings:
            per_layer = None
            if 'kl_budget' in st:
                if layer_stats is None:
                    ts = time.time()
                    # measured on the calibration images only; they are not scored
                    layer_stats = layer_sensitivity(codec, [normalize(images[calib])], LAYER_CANDIDATES)
                    log(f'per-layer sensitivity on the calibration images ({time.time() - ts:.0f} s): ' + '; '.join(f'{k} ' + ' '.join(f'{b / 1e3:.0f}k {kl:.4f}' for b, kl in v) for k, v in layer_stats.items()))
                per_layer = allocate_layers(codec, layer_stats, LAYER_CANDIDATES, st['kl_budget'])
                log(f'[{label}] ' + ', '.join(f'{k}={settings_name(v)}' for k, v in per_layer.items()))
                codec.configure(mode, layers=per_layer, **LAYER_CANDIDATES[0])
            else:
                codec.configure(mode, **st)
            codec.reset_stats()
            ts = time.time()

            def progress(done, correct, label=label, ts=ts):
                log(f'[{label}] {done}/{n} images, top-1 so far {100.0 * correct / done:.1f}%, {time.time() - ts:.0f} s')

            acc = top1(model, score_imgs, score_labels, a.batch, progress)
            s = codec.summary()
            rows.append({'setting': label, 'mode': mode, 'codec_settings': st, 'layer_settings': per_layer, 'top1': acc, 'ratio': s['ratio'], 'bits': s['bits'], 'raw_bits': s['raw_bits'], 'seconds': time.time() - ts})
        coded = len(codec.layers)
        distinct = sum(1 for ly in codec.summary()['layers'] if ly['shared_with'] is None)
        codec.remove()

    base = next((r['top1'] for r in rows if r['mode'] == 'quantize'), float_top1)
    base_name = '8-bit' if any(r['mode'] == 'quantize' for r in rows) else 'float'
    wall = time.time() - t0
    cpu_self = time.process_time()
    cpu_servers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the servers have exited: all their CPU
    cpu_servers = cpu_servers.ru_utime + cpu_servers.ru_stime
    print(f'SqueezeNet 1.1, {n} scored ImageNet-sample images ({a.calib} more for calibration); codec on the inputs of {coded} convs, all but the first ({distinct} distinct tensors)')
    print(f'float top-1 {float_top1:.1f}% on the scored images ({float_all:.1f}% on all {a.images})')
    print()
    print(f'| setting | top-1 % | drop from {base_name}, points | ratio | bits per value | seconds |')
    print('|---|---:|---:|---:|---:|---:|')
    for r in rows:
        print(f"| {r['setting']} | {r['top1']:.1f} | {base - r['top1']:.1f} | {r['ratio']:.3f} | {8 * r['bits'] / r['raw_bits']:.3f} | {r['seconds']:.0f} |")
    print()
    for r in rows:
        if r['layer_settings']:
            print(f"{r['setting']}: " + ', '.join(f'{k} {settings_name(v)}' for k, v in r['layer_settings'].items() if 'expand3x3' not in k))
    print()
    if a.png:
        plot(rows, base, a.png, f'SqueezeNet 1.1, {n} ImageNet-sample images: ratio vs top-1 drop')
        inside = os.path.abspath(a.png).startswith(REPO_ROOT + os.sep)
        print(f'picture: {os.path.relpath(a.png, REPO_ROOT) if inside else a.png}')
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'images': a.images, 'calib': a.calib, 'scored': n, 'float_top1': float_top1, 'float_top1_all': float_all, 'rows': rows, 'seconds': wall, 'cpu_python': cpu_self, 'cpu_serve': cpu_servers}, f, indent=2)
    print(f'total wall time {wall:.0f} s ({a.workers} serve workers, {a.threads} torch threads); CPU time: Python and torch {cpu_self:.0f} s, dctcm serve {cpu_servers:.0f} s')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Writes test/fixtures/pillow-box/: frames of the resized sample answered with fewer rows (`height=N`),
made by Pillow itself, the reference the service's BOX average is tested against:
    /usr/bin/python3 infrastructure/tools/gen-box-golden.py
(Debian: apt-get install python3-pil python3-numpy). Input: ../shared/golden/well_imager_150_pillow_bicubic.csv
(the stored rows, `depth_tenths,col1..col150`). For each case, the rows between two depths become an 'L'
image of 150 x rows, resized by Pillow to (150, N) with Image.BOX, and saved as a grey PNG. The manifest
gives each case's parameters and the depth of each answered row: the mean of the depths of the stored
rows it averages (those whose BOX weight is not zero, by Pillow's window rule), rounded half up to a tenth.
"""
import json
import math
import os

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROWS = os.path.join(ROOT, '..', 'shared', 'golden', 'well_imager_150_pillow_bicubic.csv')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'pillow-box')

# (min_depth, max_depth, height): the whole well to 500 rows (a scale of 10.92), 50 ft to 37 rows, to
# one row fewer than it has (a scale just above 1), and 10 ft to a single row.
CASES = [
    (0, 100000, 500),
    (9200.0, 9250.0, 37),
    (9200.0, 9250.0, 500),
    (9000.1, 9010.0, 1),
]


def covered_rows(rows, height, yy):
    """Input rows whose BOX weight is not zero for output row yy, as Pillow's precompute_coeffs finds them."""
    scale = rows / height
    support = 0.5 * scale
    center = (yy + 0.5) * scale
    ss = 1.0 / scale
    lo = max(0, int(center - support + 0.5))
    hi = min(rows, int(center + support + 0.5))
    return [y for y in range(lo, hi) if -0.5 < (y - center + 0.5) * ss <= 0.5]


def main():
    data = np.loadtxt(ROWS, delimiter=',', skiprows=1, dtype=np.int64)
    depths = data[:, 0]
    pixels = data[:, 1:].astype(np.uint8)
    os.makedirs(OUT, exist_ok=True)
    manifest = {'pillow': PIL.__version__, 'source': 'well_imager_150_pillow_bicubic.csv', 'cases': []}
    for min_depth, max_depth, height in CASES:
        keep = (depths >= round(min_depth * 10)) & (depths <= round(max_depth * 10))
        frame = pixels[keep]
        frame_depths = depths[keep]
        rows, width = frame.shape
        resized = Image.fromarray(frame, mode='L').resize((width, height), Image.BOX)
        name = f'box_{min_depth}_{max_depth}_{height}.png'
        resized.save(os.path.join(OUT, name), optimize=True)
        answered = []
        for yy in range(height):
            covered = covered_rows(rows, height, yy)
            mean = sum(int(frame_depths[y]) for y in covered) / len(covered)
            answered.append(math.floor(mean + 0.5) / 10)
        manifest['cases'].append({'min_depth': min_depth, 'max_depth': max_depth, 'height': height, 'rows': int(rows), 'png': name, 'depths': answered})
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()

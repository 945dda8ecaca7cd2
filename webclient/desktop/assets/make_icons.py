"""Draws the app's icons (standard library only, no image tools needed): a coloured disc with a
white microphone; muted adds a red slash. Run from this folder: python3 make_icons.py"""

import struct
import zlib


def png(path: str, size: int, pixel) -> None:
    rows = b""
    for y in range(size):
        rows += b"\x00"
        for x in range(size):
            # 4x4 supersampling for smooth edges
            samples = [pixel((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size) for i in range(4) for j in range(4)]
            rows += bytes(round(sum(s[c] for s in samples) / 16) for c in range(4))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def icon(fill: tuple, muted: bool = False, mic: bool = True):
    def pixel(u: float, v: float) -> tuple:
        if (u - 0.5) ** 2 + (v - 0.5) ** 2 > 0.47 ** 2:
            return (0, 0, 0, 0)
        if muted and abs((v - 0.2) - (u - 0.2) * 1.1) < 0.07 and 0.2 < u < 0.8:
            return (255, 80, 80, 255)
        capsule = 0.41 < u < 0.59 and 0.2 < v < 0.58 and not (v < 0.29 and (u - 0.5) ** 2 + (v - 0.29) ** 2 > 0.09 ** 2) \
            and not (v > 0.49 and (u - 0.5) ** 2 + (v - 0.49) ** 2 > 0.09 ** 2)
        ring = 0.16 ** 2 < (u - 0.5) ** 2 + (v - 0.5) ** 2 < 0.21 ** 2 and v > 0.5
        stand = abs(u - 0.5) < 0.03 and 0.69 < v < 0.8
        return (255, 255, 255, 255) if mic and (capsule or ring or stand) else fill
    return pixel


png("icon.png", 512, icon((88, 101, 242, 255)))
for size, suffix in ((16, ""), (32, "@2x")):
    png(f"tray-idle{suffix}.png", size, icon((110, 110, 120, 255)))
    png(f"tray-live{suffix}.png", size, icon((40, 170, 90, 255)))
    png(f"tray-muted{suffix}.png", size, icon((110, 110, 120, 255), muted=True))
png("badge.png", 16, icon((220, 40, 40, 255), mic=False))

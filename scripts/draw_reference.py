#!/usr/bin/env python3
"""Independent implementation of lotcheck's unit draw, written from the
README's description ("How units are drawn") on the ChaCha20 of the
`cryptography` package, not on lotcheck's code.

    python3 scripts/draw_reference.py SEED LOT_SIZE SAMPLE_SIZE

prints the drawn units in draw order, comma-separated."""
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


def words(seed):
    key = seed.to_bytes(8, "little") + bytes(24)
    # cryptography's 16-byte nonce is the 32-bit block counter then the
    # 96-bit nonce (RFC 8439 layout); all zero, as lotcheck's draw uses.
    stream = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
    while True:
        block = stream.update(bytes(64))
        for i in range(0, 64, 4):
            yield int.from_bytes(block[i:i + 4], "little")


def uniform_below(source, bound):
    rejected_below = (2 ** 32) % bound
    while True:
        word = next(source)
        if word >= rejected_below:
            return word % bound


def draw(seed, lot_size, sample_size):
    source = words(seed)
    moved = {}
    drawn = []
    for i in range(sample_size):
        j = i + uniform_below(source, lot_size - i)
        drawn.append(moved.get(j, j + 1))
        moved[j] = moved.get(i, i + 1)
    return drawn


if __name__ == "__main__":
    seed, lot_size, sample_size = (int(a) for a in sys.argv[1:4])
    print(",".join(str(u) for u in draw(seed, lot_size, sample_size)))

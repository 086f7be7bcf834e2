"""Feeds the benchmark's AMI stream to panoramisk's parser, in the same chunks, and prints messages/s.

Usage: python panoramisk_parse.py ami-stream.bin ami-chunks.bin
       python panoramisk_parse.py --fixed ami-fixed.bin [--baseline]   (for bin/bench.sh --instructions: the fixed
       input in 16 KiB chunks; --baseline reads it and parses nothing, so that the difference is the parser's)
panoramisk is driven as in its own tests: AMIProtocol.data_received with a stub transport and dispatcher.
"""
import array
import sys
import time

from panoramisk.ami_protocol import AMIProtocol


class Dispatcher:
    save_stream = None

    def __init__(self):
        self.count = 0

    def dispatch(self, message):
        self.count += 1


class Transport:
    def write(self, data):
        pass

    def close(self):
        pass


def fixed():
    stream = open(sys.argv[2], "rb").read()
    protocol = AMIProtocol()
    protocol.connection_made(Transport())
    protocol.factory = Dispatcher()
    protocol.encoding = "utf-8"
    if "--baseline" not in sys.argv:
        for offset in range(0, len(stream), 16384):
            protocol.data_received(stream[offset:offset + 16384])
    print("items %d" % protocol.factory.count)


def main():
    if sys.argv[1] == "--fixed":
        fixed()
        return
    stream = open(sys.argv[1], "rb").read()
    sizes = array.array("I")
    sizes.frombytes(open(sys.argv[2], "rb").read())
    chunks = []
    offset = 0
    for size in sizes:
        chunks.append(stream[offset:offset + size])
        offset += size
    protocol = AMIProtocol()
    protocol.connection_made(Transport())
    protocol.factory = Dispatcher()
    protocol.encoding = "utf-8"
    start = time.perf_counter()
    for chunk in chunks:
        protocol.data_received(chunk)
    elapsed = time.perf_counter() - start
    count = protocol.factory.count
    megabytes = len(stream) / 1048576
    print("panoramisk %s: %d messages, %.0f messages/s, %.1f MB/s" % (
        "1.4", count, count / elapsed, megabytes / elapsed))
    print("peer-messages-per-second: %.1f" % (count / elapsed), file=sys.stderr)


main()

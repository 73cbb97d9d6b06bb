#!/usr/bin/env python3
"""The soak's verdict (and plot) from its CSV: does anything trend upward after warm-up?

The run is cut in thirds. The first is warm-up (the history fills to its cap, allocator arenas
and buffer pools reach their working size, the load reaches its steady mix). For each node and
each of RSS, open file descriptors and Hub connections, the median of the last third must not
exceed the median of the middle third by more than the tolerance below. Under a steady load
nothing a node holds should grow once warm: what does is held by no one (a leak). Medians, not
means or maxima, so a burst of slow readers or a GC-less allocator's momentary peak does not
decide; two thirds, not first and last sample, so the verdict rests on many samples.

Tolerances (relative to the middle third's median, plus an absolute floor for small numbers):

- Hub connections, +20% +5: the load holds a constant number of streams open (2 steady readers
  per node plus one stream per churning client at most, ~14 per node); what moves it is only
  which behaviour each client is in at the sample, a few connections either way.
- open file descriptors, +20% +10: the same sockets, plus a constant set (listener, Redis links,
  event loop descriptors) that must not move at all.
- RSS, +10% +16 MB: allocator noise. Measured with the two behaviours that leak today left out
  (--without reset-before-head --without replay-old-stalled, debug build): the medians of the
  middle and last thirds differed by +0.3 and -2.1 MB in a 30-minute run, +2.8 and +6.3 MB in a
  2-minute one (still warming); the limit is ~2.5 times the worst of those. With a node at
  60-75 MB it lets ~22 MB pass between medians 10 minutes apart in a 30-minute run: it catches
  growth of more than ~2.2 MB a minute (~4 churned streams a second per node: ~9 kB per stream),
  and in shorter runs only faster growth.

Measured the same way, Hub connections and fds did not move at all (14 -> 14 and 14 -> 13
connections, 35 -> 35 and 35 -> 34 fds over 30 minutes). With every behaviour on, today's ghost
connections (a reset before the response head) leave ~30 Hub connections a minute on each node:
461 -> 729 and 456 -> 769 between the thirds of a 30-minute run, and a 2-minute run fails too.

The slope (Theil-Sen, per 10 minutes, after warm-up) is printed for each series as well, to read
how fast something grows; it does not decide.

Usage: soak_check.py CSV [--plot PNG]. Exits 1 when something trends upward.
"""

import argparse
import csv
import statistics
import sys
from collections import defaultdict

METRICS = [  # (column, label, relative tolerance, absolute tolerance, unit divisor, unit)
    ("hub_connections", "Hub connections", 0.20, 5, 1, ""),
    ("fds", "open fds", 0.20, 10, 1, ""),
    ("rss_kb", "RSS", 0.10, 16 * 1024, 1024, " MB"),
]


def theil_sen(points):
    """Median of pairwise slopes (per second); robust to outliers. Thins to <= 200 points."""
    if len(points) < 2:
        return 0.0
    step = max(1, len(points) // 200)
    points = points[::step]
    slopes = [(y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points) for x2, y2 in points[i + 1:] if x2 != x1]
    return statistics.median(slopes) if slopes else 0.0


def load(path):
    series = defaultdict(lambda: defaultdict(list))  # process -> column -> [(t, value)]
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            t = float(row["elapsed_s"])
            for column, *_ in METRICS:
                if row.get(column):
                    series[row["process"]][column].append((t, float(row[column])))
    return series


def verdict(series):
    end = max(t for columns in series.values() for points in columns.values() for t, _ in points)
    warm, middle_end = end / 3, 2 * end / 3
    failures = []
    lines = [f"soak check: warm-up until {warm:.0f}s, middle third {warm:.0f}-{middle_end:.0f}s, last third {middle_end:.0f}-{end:.0f}s"]
    for process in sorted(series):
        for column, label, relative, absolute, divisor, unit in METRICS:
            points = series[process].get(column)
            if not points:
                continue
            middle = [v for t, v in points if warm <= t < middle_end]
            last = [v for t, v in points if t >= middle_end]
            if len(middle) < 3 or len(last) < 3:
                failures.append(f"{process} {label}: too few samples after warm-up ({len(middle)}, {len(last)})")
                continue
            m2, m3 = statistics.median(middle), statistics.median(last)
            limit = m2 * (1 + relative) + absolute
            slope = theil_sen([(t, v) for t, v in points if t >= warm]) * 600
            informational = process == "redis"
            grew = m3 > limit
            mark = "info" if informational else ("UP" if grew else "ok")
            lines.append(
                f"  {mark:4} {process:>16} {label:15} middle {m2 / divisor:9.1f}{unit}  last {m3 / divisor:9.1f}{unit}  "
                f"limit {limit / divisor:9.1f}{unit}  slope {slope / divisor:+8.1f}{unit}/10min"
            )
            if grew and not informational:
                failures.append(f"{process} {label} went from a median of {m2 / divisor:.1f}{unit} to {m3 / divisor:.1f}{unit} (limit {limit / divisor:.1f}{unit})")
    return lines, failures


def plot(series, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(METRICS), 1, figsize=(10, 9), sharex=True)
    end = max(t for columns in series.values() for points in columns.values() for t, _ in points)
    for axis, (column, label, _, _, divisor, unit) in zip(axes, METRICS):
        for process in sorted(series):
            points = series[process].get(column)
            if points:
                axis.plot([t / 60 for t, _ in points], [v / divisor for _, v in points], label=process, linewidth=1)
        axis.axvspan(0, end / 180, color="0.9", label="warm-up (not judged)")
        axis.set_ylabel(f"{label}{' (' + unit.strip() + ')' if unit else ''}")
        axis.grid(True, linewidth=0.3)
    axes[-1].legend(loc="lower right", fontsize="small")  # the RSS panel has every process
    axes[-1].set_xlabel("minutes")
    figure.suptitle("Chorus soak: 2 nodes + Redis, steady publishing, stream churn")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--plot", help="write a PNG of the series here (needs matplotlib)")
    args = parser.parse_args()
    series = load(args.csv)
    if not series:
        sys.exit("soak check: the CSV has no samples")
    lines, failures = verdict(series)
    print("\n".join(lines))
    if args.plot:
        plot(series, args.plot)
        print(f"soak check: plot in {args.plot}")
    if failures:
        print("soak check: FAILED: trends upward after warm-up:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    print("soak check: passed (nothing trends upward after warm-up)")


if __name__ == "__main__":
    main()

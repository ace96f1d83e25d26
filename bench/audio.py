"""What does an MP3 cost a worker? The audio client (yt-dlp: watch page, player, download, then
ffmpeg to MP3 with tags) against the least any extraction must do, in the same run: fetch the
same audio bytes with one HTTP GET and convert them with one ffmpeg call.

    python bench/audio.py [--quick] [--json PATH] [--lengths 20,120,600] [--runs N]

The emulator runs as a subprocess, so this process's CPU time is yt-dlp's and our code's, and
its children's (RUSAGE_CHILDREN) is ffmpeg's. Each length is a tone of that many seconds
(`media_max_seconds`), encoded by the emulator once before timing. Needs ffmpeg.
"""

from __future__ import annotations

import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, base_parser, print_table, ratio, setup_django, write_json

MP3_QUALITY = "5"  # as indexing/youtube/audio.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "youtube_emulator", "--port", str(port), "--dataset", "small"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/stats", timeout=2)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the emulator did not start")


def cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def measured(fn) -> dict[str, float]:
    own0, kids0 = cpu()
    started = time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    own1, kids1 = cpu()
    return {"wall_s": wall, "python_cpu_s": own1 - own0, "ffmpeg_cpu_s": kids1 - kids0}


def direct(url: str, folder: Path) -> None:
    """The baseline: one GET of the audio, one ffmpeg call to MP3."""
    source = folder / "direct.m4a"
    with urllib.request.urlopen(url, timeout=60) as response:
        source.write_bytes(response.read())
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-q:a",
            MP3_QUALITY,
            str(source) + ".mp3",
        ],
        check=True,
    )


def audio_url(base: str, video_id: str) -> str:
    player = urllib.request.Request(
        f"{base}/youtubei/v1/player",
        data=json.dumps({"videoId": video_id}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(player) as response:
        return json.load(response)["streamingData"]["adaptiveFormats"][0]["url"]


def measure_video(video_id: str, base: str, *, first: str) -> tuple[dict, dict, int]:
    """(the client's costs, the baseline's, the MP3's bytes) for one video; `first` says which
    runs first, alternated by the caller so neither always meets a warmer cache."""
    from indexing.youtube.audio import download_mp3

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = audio_url(base, video_id)
        urllib.request.urlopen(url).read()
        steps = {
            "ours": lambda: download_mp3(video_id, folder, web_url=base),
            "direct": lambda: direct(url, folder),
        }
        order = [first, *(k for k in steps if k != first)]
        costs = {key: measured(steps[key]) for key in order}
        return costs["ours"], costs["direct"], (folder / f"{video_id}.mp3").stat().st_size


def mean(rows: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="20,120,600", help="seconds of audio, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="extractions per length")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("bench/audio.py needs ffmpeg")
    lengths = [20, 60] if args.quick else [int(n) for n in args.lengths.split(",")]
    runs = 2 if args.quick else args.runs
    setup_django()
    from youtube_emulator.config import DatasetConfig
    from youtube_emulator.dataset import Dataset
    from youtube_emulator.testing import ControlClient

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    emulator = start_emulator(port)
    dataset = Dataset(DatasetConfig.preset("small", 42))
    control = ControlClient(base)
    results = []
    try:
        for seconds in lengths:
            control.set_config(media_max_seconds=seconds)
            videos = [
                v
                for v in (dataset.video(i) for i in range(dataset.config.n_videos))
                if v.duration_s >= seconds and v.status == "public" and v.transcript_mode == "full"
            ][:runs]
            if len(videos) < runs:
                sys.exit(f"the small dataset has too few videos of {seconds} s or more")
            ours, baseline, sizes = [], [], []
            for n, video in enumerate(videos):
                mine, least, size = measure_video(video.id, base, first=("ours", "direct")[n % 2])
                ours.append(mine)
                baseline.append(least)
                sizes.append(size)
            row = {"audio_s": seconds, "runs": runs}
            for name, rows in (("ytdlp", ours), ("direct", baseline)):
                for key in ("wall_s", "python_cpu_s", "ffmpeg_cpu_s"):
                    row[f"{name}_{key}"] = round(mean(rows, key), 3)
            row["ratio_wall"] = ratio(row["ytdlp_wall_s"], row["direct_wall_s"])
            ours_cpu = row["ytdlp_python_cpu_s"] + row["ytdlp_ffmpeg_cpu_s"]
            direct_cpu = row["direct_python_cpu_s"] + row["direct_ffmpeg_cpu_s"]
            row["ratio_cpu"] = ratio(ours_cpu, direct_cpu)
            row["cpu_s_per_audio_minute"] = round(ours_cpu / seconds * 60, 3)
            row["mp3_kb_per_audio_minute"] = round(sum(sizes) / len(sizes) / 1024 / seconds * 60, 1)
            results.append(row)
    finally:
        emulator.terminate()
        emulator.wait(10)

    print_table(
        [
            "audio s",
            "yt-dlp wall s",
            "yt-dlp CPU py+ffmpeg s",
            "direct wall s",
            "direct CPU py+ffmpeg s",
            "ratio wall",
            "ratio CPU",
            "CPU s / audio min",
            "MP3 KB / min",
        ],
        [
            [
                r["audio_s"],
                r["ytdlp_wall_s"],
                f"{r['ytdlp_python_cpu_s']}+{r['ytdlp_ffmpeg_cpu_s']}",
                r["direct_wall_s"],
                f"{r['direct_python_cpu_s']}+{r['direct_ffmpeg_cpu_s']}",
                r["ratio_wall"],
                r["ratio_cpu"],
                r["cpu_s_per_audio_minute"],
                r["mp3_kb_per_audio_minute"],
            ]
            for r in results
        ],
        title=f"audio extraction, {runs} videos per length (means)",
    )
    write_json(
        args.json, "audio", {"params": {"lengths": lengths, "runs": runs}, "results": results}
    )


if __name__ == "__main__":
    main()

from pathlib import Path

# Real recorded bodies (../shared/youtube-recordings, see its SOURCES.md): read, never copied.
RECORDINGS = Path(__file__).resolve().parents[3] / "shared" / "youtube-recordings"
TRANSCRIPT_RECORDINGS = RECORDINGS / "transcripts" / "youtube_transcript_api_1.2.5"

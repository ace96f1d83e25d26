"""django-elasticsearch-dsl discovers documents in `<app>.documents`; ours live in search/."""

from videos.search.documents import ChunkDocument, VideoDocument

__all__ = ["ChunkDocument", "VideoDocument"]

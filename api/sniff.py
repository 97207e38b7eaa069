"""Content sniffing for uploads: the first bytes decide what a file is, not its name.

Only audio/video containers the pipeline can decode are let in; a text file named ``.mp4`` is 415.
"""

from __future__ import annotations

SNIFF_BYTES = 512


def sniff_media(head: bytes) -> str | None:
    """The MIME type the leading bytes prove, or None when they are not a media container we take."""
    if len(head) < 12:
        return None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"qt"):
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/x-matroska"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:3] == b"ID3":
        return "audio/mpeg"
    if head[:6] == b"#!AMR\n" or head[:9] == b"#!AMR-WB\n":
        return "audio/amr"
    if head[:4] in (b"\x30\x26\xb2\x75",):
        return "video/x-ms-asf"
    if _looks_like_ts(head):
        return "video/mp2t"
    if head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        layer = (head[1] >> 1) & 0x3
        if (head[1] & 0xF6) == 0xF0:
            return "audio/aac"  # ADTS
        if layer != 0:
            return "audio/mpeg"
    if head[:4] == b"\x00\x00\x01\xba":
        return "video/mpeg"
    return None


def _looks_like_ts(head: bytes) -> bool:
    # a transport stream repeats the sync byte every 188 bytes
    return len(head) >= 377 and head[0] == head[188] == head[376] == 0x47

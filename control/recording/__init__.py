"""Call recording: a compositor process per recording (RTP in, one H.264 + AAC MP4 out), driven
from the node through PlainTransports; storage and the archive build on its files."""

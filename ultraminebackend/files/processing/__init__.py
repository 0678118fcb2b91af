"""What is done to an upload before it is stored: sniffed, checked against the caps, re-encoded
(images) and given a thumbnail; videos are checked by their bytes and stored as they are."""

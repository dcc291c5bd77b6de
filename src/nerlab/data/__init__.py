"""Data layer: readers, writers, tag schemes, label sets, subword alignment."""

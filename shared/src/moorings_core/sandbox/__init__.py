"""Sandboxing: the rules that confine what a server may touch on disk and on the network."""

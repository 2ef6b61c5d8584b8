"""Generated gRPC code for package optimizer.v1 (see scripts/gen_protos.py)."""

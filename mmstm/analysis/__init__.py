"""The paper's analyses as library code; the command lines are in tools/."""

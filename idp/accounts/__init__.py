"""Operators and the profiles (roles) that give them rights."""

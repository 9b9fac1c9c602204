"""Stage 1, parse: reading source files safely and parsing them with libcst.

Safe reading (size, encoding, hazards), the ast outline that cuts a module
into parts, positions on demand, and the fast node walkers.
"""

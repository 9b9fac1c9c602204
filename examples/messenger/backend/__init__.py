"""A small messenger backend that answers law-enforcement requests."""

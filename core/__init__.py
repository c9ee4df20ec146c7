"""The kernel both the learning platform and the product stand on: it names no product and imports no feature."""

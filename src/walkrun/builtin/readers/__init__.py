"""Built-in readers: FIT, GPX and TCX bytes in, activities out."""

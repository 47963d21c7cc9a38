"""Stage 1 inputs: downloading Amazon Reviews 2023 files and generating sample data in their layout."""

"""The meeting effects: person segmentation, background blur/replacement, auto-framing, low-light lift, touch-up."""

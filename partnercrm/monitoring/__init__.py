"""The ministry's yearly monitoring campaign (plan items 33–35): municipalities submit their
computed indicator values, which freeze at submission."""

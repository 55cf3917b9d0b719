"""The ground every other package stands on: the clinical vocabulary, the settings, and the
layout of the data folder. It imports nothing of the product."""

"""The ``anime`` virtual-camera mode: a THA3 character from one picture, driven by the tracked face."""

#: The attribution CC-BY-4.0 requires, for about boxes and status pages (the converted folder carries it too).
CREDIT = ("Anime mode: Talking Head(?) Anime from a Single Image 3 by Pramook Khungurn, models CC-BY-4.0 "
          "(https://github.com/pkhungurn/talking-head-anime-3-demo)")

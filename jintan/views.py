"""The landing page; the command-center pages live in ``dispatch``."""

from django.shortcuts import render


def home(request):
    return render(request, "home.html")

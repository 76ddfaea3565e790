from django.shortcuts import render

from portal.selectors import organizations_listed


def home(request):
    return render(request, "portal/home.html", {"organizations": organizations_listed()})

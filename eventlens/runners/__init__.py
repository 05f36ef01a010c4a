"""eventlens.runners"""

"""eventlens.cluster"""

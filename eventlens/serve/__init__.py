"""eventlens.serve"""

"""core/read"""

"""nerlab.serve"""

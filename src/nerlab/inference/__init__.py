"""nerlab.inference"""

"""nerlab.train"""

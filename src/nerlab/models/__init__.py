"""nerlab.models"""

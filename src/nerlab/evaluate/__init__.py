"""nerlab.evaluate"""

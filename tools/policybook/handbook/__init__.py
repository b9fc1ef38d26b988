"""The staff handbook PDF: approved policies through pandoc to Typst, compiled as tagged PDF/UA-1."""

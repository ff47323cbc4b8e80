"""Run by book/build.py in a lab's kernel before the lab's first cell; never shown on a page.

It makes every matplotlib figure the lab displays carry its own description: beside the
PNG, the output bundle gets a small JSON record (MIME type below) with the figure's
suptitle, axes titles, axis labels, caption texts and the colours it draws with. The book
build turns the record into the image's alt text, and the tests check the colours against
the course palette. It changes nothing the lab computes or draws.
"""


def _course_book_setup():
    # Load the inline backend first: setting it up drops every formatter registered for
    # Figure before it (IPython's select_figure_formats).
    import matplotlib.pyplot as plt

    plt.close(plt.figure())
    from IPython import get_ipython
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    def text_of(artist):
        return artist.get_text().strip() if artist is not None else ""

    def hex_colours(values):
        from matplotlib.colors import to_hex

        out = []
        try:
            import numpy as np

            values = np.asarray(values)
            rows = values.reshape(-1, values.shape[-1]) if values.ndim > 1 else [values]
        except Exception:  # an unusual colour spec: skip it rather than fail the lab
            return out
        for value in rows:
            try:
                if len(value) == 4 and float(value[3]) == 0.0:
                    continue  # fully transparent: draws nothing
                out.append(to_hex(value, keep_alpha=False))
            except Exception:
                pass
        return out

    def facts(fig):
        from matplotlib.colors import to_hex

        suptitle = text_of(getattr(fig, "_suptitle", None))
        axes, colours, colormaps = [], set(), set()
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            title = next((t for t in (ax.get_title(), ax.get_title("left"), ax.get_title("right")) if t), "")
            axes.append({"title": title.strip(), "xlabel": ax.get_xlabel().strip(),
                         "ylabel": ax.get_ylabel().strip()})
            for line in ax.get_lines():
                if line.get_visible() and line.get_linestyle() not in ("None", "none", ""):
                    colours.add(to_hex(line.get_color(), keep_alpha=False))
                elif line.get_visible() and line.get_marker() not in (None, "None", "none", ""):
                    colours.update(hex_colours(line.get_markerfacecolor()))
            for patch in ax.patches:
                if patch.get_visible() and patch.get_fill():
                    colours.update(hex_colours(patch.get_facecolor()))
            for collection in ax.collections:
                if not collection.get_visible():
                    continue
                if collection.get_array() is not None:  # coloured through a colormap
                    colormaps.add(collection.get_cmap().name)
                else:
                    colours.update(hex_colours(collection.get_facecolor()))
            for image in ax.get_images():
                colormaps.add(image.get_cmap().name)
        captions = [text_of(t) for t in fig.texts if t is not getattr(fig, "_suptitle", None) and text_of(t)]
        return {"suptitle": suptitle, "axes": axes, "captions": captions,
                "colours": sorted(colours), "colormaps": sorted(colormaps)}

    class FigureFacts(BaseFormatter):
        format_type = Unicode("application/vnd.course.figure+json")
        _return_type = dict
        print_method = ObjectName("_repr_course_figure_")

    shell = get_ipython()
    formatter = FigureFacts(parent=shell.display_formatter)
    shell.display_formatter.formatters[formatter.format_type] = formatter
    formatter.for_type_by_name("matplotlib.figure", "Figure", facts)


_course_book_setup()
del _course_book_setup
